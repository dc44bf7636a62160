import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { test } from 'node:test';

// esbuild's record of the bundle (scripts/bundle.mjs writes it at build time).
interface Metafile {
  outputs: Record<string, {
    entryPoint?: string;
    inputs: Record<string, unknown>;
    imports: { path: string; kind: string; external?: boolean }[];
  }>;
}

const meta = JSON.parse(readFileSync(new URL('../dist/bundle-meta.json', import.meta.url), 'utf8')) as Metafile;

/** Every file `modfallback serve --cert … --key …` loads: the command line bundle and its static imports. */
function servePathFiles(): string[] {
  // dist/modfallback.js loads the command line bundle, which holds serve, the default command.
  const entry = Object.keys(meta.outputs).find((file) => meta.outputs[file]?.entryPoint === 'dist/cli.js');
  assert.ok(entry, 'the bundle has the command line as its entry');
  const command = readFileSync(new URL('../dist/modfallback.js', import.meta.url), 'utf8');
  assert.ok(command.includes(`"./${basename(entry)}"`), `dist/modfallback.js loads ${entry}`);
  const loaded = new Set<string>();
  const load = (file: string): void => {
    if (loaded.has(file)) return;
    loaded.add(file);
    for (const i of meta.outputs[file]?.imports ?? []) if (!i.external && i.kind === 'import-statement') load(i.path);
  };
  load(entry);
  return [...loaded];
}

// Sources only `check`, `certs` and `serve --dev` (which makes certificates) need.
const OTHER_COMMANDS_ONLY = [
  'dist/check/','dist/certs-command.js', 'dist/certificate-files.js', 'dist/issue-certificates.js',
  'node_modules/node-html-parser/', 'node_modules/semver/', 'node_modules/p-limit/', 'node_modules/p-retry/',
  'node_modules/@peculiar/', 'node_modules/asn1js/', 'node_modules/tsyringe/', 'node_modules/reflect-metadata/',
];

test('serve loads no code that only other commands need', () => {
  const files = servePathFiles();
  const inputs = files.flatMap((file) => Object.keys(meta.outputs[file]?.inputs ?? {}));
  assert.ok(inputs.includes('dist/serve.js') && inputs.some((i) => i.startsWith('node_modules/pino/')),
    'the serve path is found (it holds serve and pino)');
  const strays = inputs.filter((input) => OTHER_COMMANDS_ONLY.some((prefix) => input.startsWith(prefix)));
  assert.deepEqual(strays, [], `loaded by serve: ${strays.join(', ')}`);
});

test('the other commands are in the bundle, in files serve does not load', () => {
  const servePath = new Set(servePathFiles());
  for (const source of ['dist/check/run.js', 'dist/certs-command.js', 'dist/certificate-files.js']) {
    const file = Object.keys(meta.outputs).find((f) => source in (meta.outputs[f]?.inputs ?? {}));
    assert.ok(file, `${source} is bundled`);
    assert.equal(servePath.has(file), false, `${source} is in ${file}, which serve loads`);
  }
});
