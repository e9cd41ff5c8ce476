import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig([
  {
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    // dist/web is the browser bundle's, built beside this one at the same time.
    clean: ['!web/**'],
    splitting: true,
    // Dependencies stay in node_modules and are imported lazily by the commands that need them.
    external: ['commander', 'undici', 'chokidar', 'conf', 'zod'],
    define: { __TRACES_VERSION__: JSON.stringify(pkg.version) },
  },
  {
    // The web view: one script and one stylesheet, everything bundled in (no CDN), served by
    // `traces serve` and inlined by `traces view`.
    entry: { app: 'src/web/main.tsx' },
    outDir: 'dist/web',
    format: ['iife'],
    platform: 'browser',
    target: 'es2020',
    minify: true,
    clean: true,
    outExtension: () => ({ js: '.js' }),
    esbuildOptions(options) {
      options.jsx = 'automatic';
      options.jsxImportSource = 'preact';
      options.legalComments = 'none';
    },
  },
]);
