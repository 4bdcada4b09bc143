// The import graph of src/ has no cycle, between files or between modules (the folders of src/,
// e.g. method → train → method): `npm run check:imports`; test/imports.test.ts runs it in `npm test`.
// Test files and test suites are left out (a test may import across modules).
import madge from 'madge';
import { fileURLToPath } from 'node:url';

export interface ImportReport {
  files: number;
  /** file cycles, as madge lists them (paths relative to src/) */
  fileCycles: string[][];
  /** module (folder) cycles, each as the modules in order */
  moduleCycles: string[][];
  /** module → the modules it imports */
  moduleGraph: Record<string, string[]>;
}

/** The module of a file relative to src/: its top folder, or the file itself at the top. */
export function moduleOf(file: string): string {
  const i = file.indexOf('/');
  return i < 0 ? file.replace(/\.ts$/, '') : file.slice(0, i);
}

/** Every elementary cycle reachable in a small graph, each once (rotated to start at its least name). */
export function findCycles(graph: Record<string, readonly string[]>): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  const walk = (path: string[]): void => {
    for (const next of graph[path[path.length - 1]] ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) {
        const cycle = path.slice(at);
        const k = cycle.indexOf([...cycle].sort()[0]);
        const norm = [...cycle.slice(k), ...cycle.slice(0, k)];
        if (!seen.has(norm.join('>'))) {
          seen.add(norm.join('>'));
          out.push(norm);
        }
      } else if (path.length < 12) {
        walk([...path, next]);
      }
    }
  };
  for (const n of Object.keys(graph)) walk([n]);
  return out;
}

export async function checkImports(srcDir = fileURLToPath(new URL('../src/', import.meta.url))): Promise<ImportReport> {
  const res = await madge(srcDir, {
    fileExtensions: ['ts'],
    tsConfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)),
    excludeRegExp: [/\.test\.ts$/, /_suite\.ts$/, /\.d\.ts$/],
  });
  const files = res.obj();
  const modules: Record<string, Set<string>> = {};
  for (const [file, deps] of Object.entries(files)) {
    const from = moduleOf(file);
    modules[from] ??= new Set();
    for (const d of deps) if (moduleOf(d) !== from) modules[from].add(moduleOf(d));
  }
  const moduleGraph = Object.fromEntries(Object.entries(modules).map(([m, s]) => [m, [...s].sort()]));
  return { files: Object.keys(files).length, fileCycles: res.circular(), moduleCycles: findCycles(moduleGraph), moduleGraph };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await checkImports();
  console.log(`${r.files} files; ${r.fileCycles.length} file cycle(s), ${r.moduleCycles.length} module cycle(s)`);
  for (const c of r.fileCycles) console.log(`  file cycle: ${[...c, c[0]].join(' → ')}`);
  for (const c of r.moduleCycles) console.log(`  module cycle: ${[...c, c[0]].join(' → ')}`);
  process.exitCode = r.fileCycles.length + r.moduleCycles.length > 0 ? 1 : 0;
}
