/** `plca serve`: the web app (Segment and Adapt pages) and an exported model, on 127.0.0.1. */
import type { CommandSpec } from '../command.js';
import { addCommonOptions, parseInteger } from '../options.js';
import { installInterruptHandler } from '../signals.js';
import { PlcaError } from '../../util/errors.js';
import { userPath } from './shared.js';

interface ServeOptions { model?: string; port: number }

export const serveCommand: CommandSpec = {
  path: ['serve'],
  summary: 'serve the web app (segment images, watch PLCA adapt) and an exported model on 127.0.0.1',
  examples: [
    'plca serve --model runs/demo-20260101-120000/model',
    'plca serve --model exported/tiny --port 8080',
  ],
  configure: (cmd) => {
    cmd.option('--model <dir>', 'exported GraphModel (plca export --out DIR, or a demo run directory), served as the Segment page\'s model');
    cmd.option('--port <n>', 'port on 127.0.0.1 (0: any free port)', parseInteger('--port', 0), 8711);
    addCommonOptions(cmd, []); // --verbose, as every command has
  },
  run: async (ctx, _args, raw) => {
    const o = raw as unknown as ServeOptions;
    if (o.port > 65535) throw new PlcaError('PLCA_INVALID_ARGUMENT', `--port must be at most 65535, got ${o.port}`, { hint: 'use --port 0 for any free port' });
    const { startWebServer } = await import('../../serve/index.js');
    const server = await startWebServer({ modelDir: o.model === undefined ? undefined : userPath(ctx.io, o.model), port: o.port });
    const out = ctx.io.stdout;
    out.write(`plca web app: ${server.url}  (Segment: ${server.url}  Adapt: ${server.url}adapt.html)\n`);
    out.write(server.modelDir ? `model: ${server.modelDir} → ${server.url}model/\n` : 'model: none (--model DIR); the Segment page can load one from files or from the Adapt page\n');
    out.write('cross-origin isolated (COOP/COEP): wasm may use threads. Ctrl-C stops the server.\n');
    const stop = installInterruptHandler(ctx.io.stderr, 'the server', 'closing it');
    await new Promise<void>((ok) => stop.signal.addEventListener('abort', () => ok(), { once: true }));
    stop.dispose();
    await server.close();
  },
};
