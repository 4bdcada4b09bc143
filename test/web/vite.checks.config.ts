// The browser checks page (test/web/checks), built for test/web's harness into dist/web-checks.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('checks'),
  base: './',
  publicDir: false,
  logLevel: 'warn',
  build: { outDir: here('../../dist/web-checks'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192 },
});
