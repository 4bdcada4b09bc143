// `plca model info|list` in-process. Expected counts and grids are those of the reference's
// DeepLab-V2 (counted from the PyTorch model), not numbers read off our code.
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';

async function cli(argv: string[]) {
  const io = memoryIo();
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('plca model info', () => {
  it('prints exactly the documented JSON keys', async () => {
    const r = await cli(['model', 'info', 'deeplabv2_resnet101', '--classes', '19', '--input', '96', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      name: 'deeplabv2_resnet101', params: 43_900_992, featureChannels: 2048, featureGrid: [13, 13], outputStride: 8,
    });
  });

  it('takes the class count and an HxW input', async () => {
    const r = await cli(['model', 'info', 'deeplabv2_resnet101', '-k', '16', '--input', '730x730', '--json']);
    expect(JSON.parse(r.out)).toMatchObject({ params: 43_679_808, featureGrid: [92, 92] });
    const table = await cli(['model', 'info', 'deeplabv2_resnet101', '--input', '730']);
    expect(table.out).toMatch(/parameters\s+43,900,992/);
    expect(table.out).toMatch(/feature grid\s+92×92/);
  });

  it('names an unknown model and lists the known ones', async () => {
    const r = await cli(['model', 'info', 'resnet50']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^plca: error \[PLCA_INVALID_ARGUMENT\]: unknown model "resnet50"; known models: .*deeplabv2_resnet101/);
  });

  it('rejects a malformed size as a usage error', async () => {
    const r = await cli(['model', 'info', 'deeplabv2_resnet101', '--input', '96x']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--input must be S or HxW');
  });

  it('lists the registry', async () => {
    const r = await cli(['model', 'list', '--json']);
    const names = (JSON.parse(r.out) as { name: string }[]).map((m) => m.name);
    expect(names).toContain('deeplabv2_resnet101');
    expect(names).toContain('minicity_gn');
  });
});
