// Bundles tsc's output into dist/modfallback.js, the command users run: one
// file to load instead of dozens, which is most of a cold start. Each
// subcommand's own code (and the X.509 library) stays in a chunk of its own,
// loaded only when that command runs.
import { build } from 'esbuild';

await build({
  entryPoints: { modfallback: 'dist/main.js' },
  outdir: 'dist',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  // CommonJS dependencies call require(); ES modules have none of their own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
