import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkHost, checkModulePath, quote, MAX_MODULE_PATH_LENGTH } from '../src/core/module-path.js';

const VALID = [
  'dmitri.shuralyov.com',
  'dmitri.shuralyov.com/gpu/mtl',
  'dmitri.shuralyov.com/gpu/mtl/example/movingobjects',
  'dmitri.shuralyov.com/state/v2',
  'dmitri.shuralyov.com/state/v10',
  'dmitri.shuralyov.com/Go/Upper',
  'dmitri.shuralyov.com/a-b_c.d~e',
  'dmitri.shuralyov.com/v1/x',        // only a final element is a version suffix
  'dmitri.shuralyov.com/v',
  'dmitri.shuralyov.com/vx1',
  'dmitri.shuralyov.com/con-tent',    // reserved names only before the first dot
  'dmitri.shuralyov.com/x~y',         // tilde followed by non-digits
  'dmitri.shuralyov.com/a.b.c',
  'example.com/' + 'x'.repeat(900),
];

const INVALID: [path: string, problem: RegExp][] = [
  ['', /empty string/],
  ['dmitri.shuralyov.com/', /trailing slash/],
  ['dmitri.shuralyov.com//gpu', /double slash/],
  ['dmitri.shuralyov.com/gpu//mtl', /double slash/],
  ['dmitri.shuralyov.com/.', /invalid path element/],
  ['dmitri.shuralyov.com/..', /invalid path element/],
  ['dmitri.shuralyov.com/a/../b', /invalid path element/],
  ['dmitri.shuralyov.com/.hidden', /leading dot/],
  ['dmitri.shuralyov.com/trailing.', /trailing dot/],
  ['dmitri.shuralyov.com/a+b', /invalid char "\+"/],
  ['dmitri.shuralyov.com/a b', /invalid char " "/],
  ['dmitri.shuralyov.com/caf\u00e9', /invalid char "\\u00e9"/],
  ['dmitri.shuralyov.com/a\u0000b', /invalid char "\\u0000"/],
  ['dmitri.shuralyov.com/a\nb', /invalid char "\\n"/],
  ['dmitri.shuralyov.com/<script>', /invalid char "\\u003c"/],
  ['dmitri.shuralyov.com/a"b', /invalid char "\\""/],
  ['dmitri.shuralyov.com/x/v0', /major version/],
  ['dmitri.shuralyov.com/x/v1', /major version/],
  ['dmitri.shuralyov.com/x/v02', /major version/],
  ['dmitri.shuralyov.com/x/v2.1', /major version/],
  ['dmitri.shuralyov.com/x/v1.0.0', /major version/],
  ['dmitri.shuralyov.com/CON', /disallowed/],
  ['dmitri.shuralyov.com/com1.txt', /disallowed/],
  ['dmitri.shuralyov.com/Lpt9', /disallowed/],
  ['dmitri.shuralyov.com/PROGRA~1', /tilde and digits/],
  ['dmitri.shuralyov.com/x~12.go', /tilde and digits/],
  ['-dmitri.shuralyov.com', /leading dash/],
  ['localhost/x', /missing dot/],
  ['Dmitri.shuralyov.com/x', /first path element/],
  ['dmitri_shuralyov.com/x', /first path element/],
  ['/dmitri.shuralyov.com', /leading slash/],
  ['example.com/' + 'x'.repeat(MAX_MODULE_PATH_LENGTH), /longer than/],
];

test('valid module paths are accepted', () => {
  for (const path of VALID) assert.equal(checkModulePath(path), null, path);
});

test('invalid module paths are refused with the rule they break', () => {
  for (const [path, problem] of INVALID) {
    const got = checkModulePath(path);
    assert.ok(got !== null, `${JSON.stringify(path)} was accepted`);
    assert.match(got, problem, JSON.stringify(path));
  }
});

test('checkHost takes a single element only', () => {
  assert.equal(checkHost('example.com'), null);
  assert.match(checkHost('example.com/x') ?? '', /slash/);
  assert.match(checkHost('localhost') ?? '', /missing dot/);
});

test('quote keeps only printable ASCII with no markup and cuts long input', () => {
  assert.equal(quote('abc'), '"abc"');
  assert.equal(quote('<a href=\'x\'>&'), '"\\u003ca href=\\u0027x\\u0027\\u003e\\u0026"');
  assert.equal(quote('\u0000\u001b[31m'), '"\\u0000\\u001b[31m"');
  assert.equal(quote('\u{1f600}'), '"\\u{1f600}"');
  assert.ok(quote('y'.repeat(1000)).length < 100);
});

test('property: an accepted path is made only of the allowed characters, elements and suffixes', () => {
  const element = fc.stringMatching(/^[A-Za-z0-9._~+-]{0,6}$/);
  fc.assert(fc.property(fc.array(element, { maxLength: 6 }), (elements) => {
    const path = ['example.com', ...elements].join('/');
    if (checkModulePath(path) !== null) return;
    for (const e of elements) {
      assert.match(e, /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/);
      assert.doesNotMatch(e, /\.$/);
    }
    const last = elements.at(-1);
    if (last !== undefined && /^v[0-9.]+$/.test(last)) assert.match(last, /^v([2-9]|[1-9][0-9]+)$/);
  }), { numRuns: 2000, interruptAfterTimeLimit: 5000 });
});

test('property: any string either passes or gets a one-line printable reason', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (tail) => {
    const problem = checkModulePath(`example.com/${tail}`);
    if (problem !== null) assert.match(problem, /^[\x20-\x7e]+$/);
  }), { numRuns: 2000, interruptAfterTimeLimit: 5000 });
});

/**
 * An independent oracle: golang.org/x/mod/module.CheckPath transcribed as
 * plainly as possible, element by element, with no shortcuts.
 */
function goCheckPath(path: string): boolean {
  if (path === '' || path.startsWith('-') || path.includes('//') || path.endsWith('/')) return false;
  const elements = path.split('/');
  for (const elem of elements) {
    if (elem === '' || /^[.]+$/.test(elem) || elem.startsWith('.') || elem.endsWith('.')) return false;
    for (const c of elem) if (!/[A-Za-z0-9._~-]/.test(c) || c.length !== 1) return false;
    const short = elem.includes('.') ? elem.slice(0, elem.indexOf('.')) : elem;
    const bad = ['CON', 'PRN', 'AUX', 'NUL', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => [`COM${n}`, `LPT${n}`])];
    if (bad.includes(short.toUpperCase())) return false;
    const tilde = short.lastIndexOf('~');
    if (tilde >= 0 && tilde < short.length - 1 && /^[0-9]+$/.test(short.slice(tilde + 1))) return false;
  }
  const host = elements[0] ?? '';
  if (!host.includes('.') || !/^[a-z0-9.-]+$/.test(host)) return false;
  // SplitPathVersion
  let i = path.length;
  let dot = false;
  while (i > 0 && /[0-9.]/.test(path[i - 1] ?? '')) {
    if (path[i - 1] === '.') dot = true;
    i--;
  }
  if (i <= 1 || i === path.length || path[i - 1] !== 'v' || path[i - 2] !== '/') return true;
  const major = path.slice(i - 2);
  return !(dot || major.length <= 2 || major[2] === '0' || major === '/v1');
}

test('property: checkModulePath agrees with a plain transcription of the go command rules', () => {
  const piece = fc.constantFrom('a', 'Z', '0', '9', '.', '..', '-', '_', '~', '~1', 'v', 'v2', 'v1', 'v0', 'v2.1', 'con', 'COM1',
    'lpt9.x', 'aux', 'nul.txt', 'x', '+', ' ', '\u00e9');
  const element = fc.array(piece, { minLength: 0, maxLength: 4 }).map((p) => p.join(''));
  const host = fc.constantFrom('example.com', 'a.b', 'a..b', 'Ex.com', 'localhost', '-a.com', 'a.com.', '.a.com', 'con.com', 'x-y.z9');
  fc.assert(fc.property(host, fc.array(element, { maxLength: 5 }), (h, elements) => {
    const path = [h, ...elements].join('/');
    assert.equal(checkModulePath(path) === null, goCheckPath(path), JSON.stringify(path));
  }), { numRuns: 20_000, interruptAfterTimeLimit: 10_000 });
});
