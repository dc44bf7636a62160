// Bundles tsc's output into the command users run, dist/modfallback.js, and
// the command line it loads: one file to read instead of dozens, which is most
// of a cold start. Each subcommand's own code (and the X.509 library) stays in
// a file of its own, loaded only when that command runs.
//
// The command line is CommonJS, so that V8 can keep a code cache of it (see
// src/cached-script.ts). esbuild splits code only into ES modules, so it splits
// first and each file is then turned into CommonJS, its imports into require().
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, transform } from 'esbuild';

const OUT = 'dist';
const TARGET = 'node20';

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

const CLI_ENTRY = `${OUT}/cli.js`;

const { metafile } = await build({
  entryPoints: { cli: CLI_ENTRY },
  outdir: OUT,
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: TARGET,
  minify: true,
  plugins: [lazyBuiltins],
  logLevel: 'warning',
  metafile: true,
});

let cliBundle;
const outputs = {};
for (const [file, output] of Object.entries(metafile.outputs)) {
  const code = await toCommonJs(readFileSync(file, 'utf8'));
  let written = file;
  if (output.entryPoint === CLI_ENTRY) {
    // Named for its contents, as is the code cache beside it: a new build never
    // runs with an old cache (V8 itself checks little more than the length).
    cliBundle = `cli-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.cjs`;
    written = join(OUT, cliBundle);
    rmSync(file);
  }
  writeFileSync(written, code);
  outputs[written] = output;
}

async function toCommonJs(code) {
  const { code: cjs } = await transform(code, {
    format: 'cjs',
    platform: 'node',
    target: TARGET,
    minify: true,
    // import() of another file becomes require(): a vm.Script has no module loader.
    supported: { 'dynamic-import': false },
    // What tsc's output finds beside it (../package.json), found from the same place.
    define: { 'import.meta.url': '__moduleUrl' },
    banner: code.includes('import.meta.url') ? "const __moduleUrl=require('node:url').pathToFileURL(__filename).href;" : '',
  });
  return cjs;
}

// The command itself: an ES module (top-level await) that loads the bundle.
await build({
  entryPoints: { modfallback: `${OUT}/main.js` },
  outdir: OUT,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: TARGET,
  minify: true,
  define: { CLI_BUNDLE: JSON.stringify(`./${cliBundle}`) },
  logLevel: 'warning',
});

// Which source went into which file: test/bundle.test.ts reads it to check
// what the serve path loads.
writeFileSync(join(OUT, 'bundle-meta.json'), JSON.stringify({ ...metafile, outputs }));
