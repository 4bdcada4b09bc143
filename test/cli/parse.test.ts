import { readFileSync } from 'node:fs';
// The option table and the parser, in-process: no library work runs here.
import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../src/cli/command.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { memoryIo } from '../../src/cli/io.js';
import { addCommonOptions } from '../../src/cli/options.js';
import { buildProgram, parseCli, runCli } from '../../src/cli/program.js';
import { PlcaError } from '../../src/util/errors.js';

function spec(path: string[], run: CommandSpec['run'] = async () => {}): CommandSpec {
  return {
    path,
    summary: `the ${path.join(' ')} command`,
    examples: [`plca ${path.join(' ')} --json`],
    configure: (cmd) => {
      cmd.argument('[name]');
      addCommonOptions(cmd, ['config', 'set', 'out', 'json', 'seed', 'backend', 'threads']);
    },
    run,
  };
}

async function parseWith(specs: CommandSpec[], argv: string[]) {
  const io = memoryIo();
  let got: { command: string; args: string[]; options: Record<string, unknown> } | undefined;
  const program = buildProgram(io, async (s, args, options) => {
    got = { command: s.path.join(' '), args, options };
  }, specs);
  let error: unknown;
  await program.parseAsync(argv, { from: 'user' }).catch((e: unknown) => (error = e));
  return { got, error, io };
}

describe('cli parsing', () => {
  const specs = [spec(['train']), spec(['bench', 'engine']), spec(['bench', 'minicity'])];
  specs[1] = { ...specs[1], isDefault: true };

  it('parses the common options with their types and defaults', async () => {
    const { got } = await parseWith(specs, ['train', 'x', '--config', 'c.ts', '--set', 'a.b=1', '--set', 'c=2', '--seed', '7', '--threads', '2', '--json']);
    expect(got).toEqual({
      command: 'train',
      args: ['x'],
      options: { config: 'c.ts', set: ['a.b=1', 'c=2'], seed: 7, threads: 2, json: true, backend: 'auto', verbose: false },
    });
  });

  it('runs the default sub-command of a group', async () => {
    expect((await parseWith(specs, ['bench'])).got?.command).toBe('bench engine');
    expect((await parseWith(specs, ['bench', 'minicity'])).got?.command).toBe('bench minicity');
  });

  it.each([
    [['train', '--seed', 'abc'], /--seed must be an integer, got "abc"/],
    [['train', '--threads', '0'], /--threads must be ≥ 1/],
    [['train', '--set', 'nokey'], /expected key=value/],
    [['train', '--backend', 'gpu'], /Allowed choices are auto, wasm, cpu, tensorflow/],
    [['train', '--bogus'], /unknown option '--bogus'/],
    [['trian'], /Did you mean train\?/],
  ])('rejects %j with a usage error and exit status 2', async (argv, message) => {
    const io = memoryIo();
    const code = await runCli(argv, io, specs);
    expect(code).toBe(2);
    expect(io.err()).toMatch(message);
    expect(io.err()).toMatch(/^plca: error: /);
  });

  it('prints help with an example for every command of the real table, exit 0', async () => {
    const io = memoryIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: plca');
    for (const s of COMMANDS) {
      const sub = memoryIo();
      expect(await runCli([...s.path, '--help'], sub)).toBe(0);
      expect(sub.out()).toMatch(/Examples?:\n  \$ plca /);
      expect(sub.out()).toContain('--verbose');
    }
  });

  it('turns a PlcaError from a command into one line and exit 1; internal errors say so', async () => {
    const failing = [
      spec(['a'], async () => {
        throw new PlcaError('PLCA_FILE_NOT_FOUND', 'config not found: /nope.ts', { hint: 'check the path' });
      }),
      spec(['b'], async () => {
        throw new RangeError('oops');
      }),
      spec(['c'], async (ctx) => {
        ctx.exitCode = 1;
      }),
    ];
    const cases = [
      [['a'], 1, /^plca: error \[PLCA_FILE_NOT_FOUND\]: config not found: \/nope.ts\n  hint: check the path\n$/],
      [['b'], 1, /^plca: error \[PLCA_INTERNAL\]: oops\n  hint: .*\n.*--verbose.*\n$/],
      [['b', '--verbose'], 1, /caused by: RangeError: oops\n\s+at /],
      [['c'], 1, /^$/],
    ] as const;
    for (const [argv, code, text] of cases) {
      const io = memoryIo();
      expect(await runCli(argv, io, failing)).toBe(code);
      expect(io.err()).toMatch(text);
    }
  });

  it('parseCli reports the command without running it', async () => {
    const io = memoryIo();
    expect(await parseCli(['--version'], io).catch((e: { exitCode: number }) => e.exitCode)).toBe(0);
    // The version is package.json's (one place), not a copy in the code.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(io.out().trim()).toBe(pkg.version);
  });
});

describe('plca bench', () => {
  it('maps the flags onto the engine benchmark\'s options (the library runs it, no script)', async () => {
    const { benchOptions } = await import('../../src/cli/commands/bench.js');
    const parsed = await parseCli(['bench', '--json', '--threads', '2', '--steps', '5', '--backend', 'wasm', '--skip-association'], memoryIo());
    expect(parsed?.command).toBe('bench engine');
    expect(benchOptions(parsed!.options as never)).toEqual({ backend: 'wasm', steps: 5, threads: 2, association: false, peak: true });
    const defaults = await parseCli(['bench', 'engine'], memoryIo());
    expect(benchOptions(defaults!.options as never)).toEqual({ backend: 'auto', steps: 30, association: true, peak: true });
  });
});
