// Bundles tsc's output into dist/modfallback.js, the command users run: one
// file to load instead of dozens, which is most of a cold start. Each
// subcommand's own code (and the X.509 library) stays in a chunk of its own,
// loaded only when that command runs.
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';

// Built-in modules that dependencies load at start-up but use only on paths
// this server never takes on the way to its first answer (commander's
// child_process runs executable subcommands; sonic-boom's assert checks a
// reopened file): each becomes a stand-in that loads the real one on first use.
const LAZY_BUILTINS = /^(node:)?(child_process|assert)$/;

const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: LAZY_BUILTINS }, (args) => {
      if (args.namespace === 'lazy-builtin') return { path: args.path, external: true };
      // Only require() calls: an ES import needs the module's real named exports.
      if (args.kind !== 'require-call') return undefined;
      return { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      loader: 'js',
      contents: `let real;
const load = () => (real ??= require('node:${args.path}'));
module.exports = new Proxy(function () {}, {
  get: (_, key) => load()[key],
  apply: (_, self, params) => Reflect.apply(load(), self, params),
});`,
    }));
  },
};

const { metafile } = await build({
  entryPoints: { modfallback: 'dist/main.js' },
  outdir: 'dist',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  plugins: [lazyBuiltins],
  // CommonJS dependencies call require(); ES modules have none of their own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
});
// Which source went into which file: test/bundle.test.ts reads it to check
// what the serve path loads.
writeFileSync('dist/bundle-meta.json', JSON.stringify(metafile));
