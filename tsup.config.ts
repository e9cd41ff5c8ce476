import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  clean: true,
  splitting: true,
  // Dependencies stay in node_modules and are imported lazily by the commands that need them.
  external: ['commander', 'undici', 'chokidar', 'conf', 'zod'],
  define: { __TRACES_VERSION__: JSON.stringify(pkg.version) },
});
