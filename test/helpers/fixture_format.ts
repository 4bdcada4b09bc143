// The fixture files' format (fixtures/*/README.md), without Node: browser pages read fixtures too.

/** A tensor in the reference fixtures: row-major data in the reference's layout (NCHW). */
export interface FixtureTensor {
  shape: number[];
  data: number[];
}

export interface Fixture {
  description: string;
  params?: Record<string, unknown>;
  inputs: Record<string, FixtureTensor | number | number[] | Record<string, unknown>>;
  outputs: Record<string, FixtureTensor | number | number[] | Record<string, unknown>>;
}

export function isFixtureTensor(v: unknown): v is FixtureTensor {
  return typeof v === 'object' && v !== null && 'shape' in v && 'data' in v;
}
