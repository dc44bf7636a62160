import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { matchGoImport, type GoImport } from '../src/check/go-import.js';
import { parseLsRemote, parseVersionList, versionsFromTags } from '../src/check/versions.js';
import { DOMAIN, page, startCheckWorld, type CheckWorld } from './helpers/check-world.js';
import { runCli, startCli } from './helpers/process.js';
import { tempDir } from './helpers/tls.js';

test('versions from git tags follow the go command: root, subdirectory, major version', () => {
  const tags = ['v1.0.0', 'v1.1.0-rc.1', 'v2.0.0', 'v2.1.0', 'release-1', 'v1.2.0+meta', 'v01.0.0', 'sub/v0.1.0', 'sub/v2.0.0', 'other/v1.0.0'];
  assert.deepEqual(versionsFromTags(tags, 'x.com/r', 'x.com/r'), ['v1.0.0', 'v1.1.0-rc.1']);
  assert.deepEqual(versionsFromTags(tags, 'x.com/r/v2', 'x.com/r'), ['v2.0.0', 'v2.1.0']);
  assert.deepEqual(versionsFromTags(tags, 'x.com/r/v2', 'x.com/r/v2'), ['v2.0.0', 'v2.1.0']);
  assert.deepEqual(versionsFromTags(tags, 'x.com/r/sub', 'x.com/r'), ['v0.1.0']);
  assert.deepEqual(versionsFromTags(tags, 'x.com/r/sub/v2', 'x.com/r'), ['v2.0.0']);
  assert.deepEqual(versionsFromTags(tags, 'x.com/other', 'x.com/r'), []);
  assert.deepEqual(parseLsRemote('abc123\trefs/tags/v1.0.0\ndef456\trefs/tags/sub/v0.1.0\n'), ['v1.0.0', 'sub/v0.1.0']);
  assert.deepEqual(parseVersionList('v0.2.0\nv0.10.0\nnonsense\n\nv0.2.0\nv0.1.0 extra\n'), ['v0.1.0', 'v0.2.0', 'v0.10.0']);
});

test('go-import tags are matched as the go command matches them', () => {
  const tag = (prefix: string, vcs: string, repoRoot = 'https://r'): GoImport => ({ prefix, vcs, repoRoot });
  assert.equal(matchGoImport([tag('a.com/x', 'git'), tag('a.com/x', 'mod')], 'a.com/x/y').tag?.vcs, 'mod', 'mod preferred');
  assert.equal(matchGoImport([tag('a.com/portmidi', 'mod')], 'a.com/portmidix').problem, 'no go-import meta tags match (found a.com/portmidi)');
  assert.match(matchGoImport([tag('a.com/x', 'mod', 'https://1'), tag('a.com/x', 'mod', 'https://2')], 'a.com/x').problem ?? '', /multiple meta tags/);
  assert.equal(matchGoImport([], 'a.com/x').problem, 'no go-import meta tags');
  assert.equal(matchGoImport([tag('a.com', 'mod')], 'a.com/x/y').tag?.prefix, 'a.com');
});

async function check(t: TestContext, world: CheckWorld, args: string[]) {
  // Retries wait a hundredth of a second: the tests count them, and need not sit through real backoff.
  return runCli(t, ['check', '--primary', world.primary, '--timeout', '5', '--backoff', '0.01', '--max-backoff', '0.02', ...args], {
    env: { NODE_EXTRA_CA_CERTS: world.pki.caFile },
  });
}

// Each test runs its own servers and processes: they run side by side.
describe('check against local servers', { concurrency: true }, () => {
  test('check: every version in the mirror is exit 0', async (t) => {
    const world = await startCheckWorld(t);
    const result = await check(t, world, ['--mirror', world.mirror, `${DOMAIN}/state/v2`, `${DOMAIN}/Go/Upper`]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '', 'no progress when stderr is not a terminal');
    assert.match(result.stdout, /^dmitri\.shuralyov\.com\/state\/v2 {2}\(mod https:\/\/localhost:\d+\/proxy\)$/m);
    assert.match(result.stdout, /^ {2}at the primary: v2\.0\.0 v2\.1\.0$/m);
    assert.match(result.stdout, /^ {2}missing: {8}-$/m);
    assert.match(result.stdout, /^ready: 2 modules, 0 versions missing from the mirror$/m);
    assert.ok(world.mirrorRequests.includes('/dmitri.shuralyov.com/!go/!upper/@v/list'), 'upper case is !-escaped');
  });

  test('check: gaps are exit 1 and name exactly the missing versions, without fetching them', async (t) => {
    const world = await startCheckWorld(t);
    const result = await check(t, world, ['--mirror', `${world.mirror}/cached-only`,
      `${DOMAIN}/gpu/mtl`, `${DOMAIN}/gitmod`, `${DOMAIN}/gitmod/sub`]);
    assert.equal(result.code, 1, result.stderr);
    const blocks = result.stdout.split('\n\n');
    assert.match(result.stdout, /^dmitri\.shuralyov\.com\/gpu\/mtl .*\n {2}at the primary: v0\.1\.0 v0\.2\.0 v0\.3\.0\n {2}in the mirror: {2}v0\.1\.0 v0\.2\.0\n {2}missing: {8}v0\.3\.0$/m);
    assert.match(result.stdout, /^dmitri\.shuralyov\.com\/gitmod {2}\(git .*repo\)\n {2}at the primary: v1\.0\.0 v1\.1\.0\n {2}in the mirror: {2}v1\.0\.0\n {2}missing: {8}v1\.1\.0$/m);
    assert.match(result.stdout, /^dmitri\.shuralyov\.com\/gitmod\/sub .*\n {2}at the primary: v0\.1\.0 v0\.2\.0\n {2}in the mirror: {2}v0\.1\.0\n {2}missing: {8}v0\.2\.0$/m);
    assert.match(result.stdout, /^NOT READY: 3 modules, 3 versions missing from the mirror$/m, blocks.join('|'));
    assert.equal(world.cached.get(`${DOMAIN}/gpu/mtl`)?.has('v0.3.0'), false, 'cached-only probes fetch nothing');
  });

  test('check --warm makes the mirror fetch what it lacks, then reports it present', async (t) => {
    const world = await startCheckWorld(t);
    const modules = [`${DOMAIN}/gpu/mtl`, `${DOMAIN}/gitmod`, `${DOMAIN}/gitmod/sub`];
    const result = await check(t, world, ['--mirror', `${world.mirror}/cached-only`, '--warm', ...modules]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^ {2}warmed: {9}v0\.3\.0$/m);
    assert.match(result.stdout, /^ready: 3 modules, 0 versions missing from the mirror, 3 warmed$/m);
    for (const suffix of ['info', 'mod', 'zip']) {
      assert.ok(world.mirrorRequests.includes(`/dmitri.shuralyov.com/gpu/mtl/@v/v0.3.0.${suffix}`), suffix);
    }
    const again = await check(t, world, ['--mirror', `${world.mirror}/cached-only`, ...modules]);
    assert.equal(again.code, 0, 'the gaps stay closed');
  });

  test('check: the primary down, or not knowing a module, or serving bad pages: exit 1 with the reason', async (t) => {
    const world = await startCheckWorld(t, {
      '/two-tags': page(`${DOMAIN}/two-tags mod https://a.example`, `${DOMAIN}/two-tags mod https://b.example`),
      '/four-fields': page(`${DOMAIN}/four-fields mod https://a.example subdir`),
      '/in-body': '<html><head></head><body><meta name="go-import" content="dmitri.shuralyov.com/in-body mod https://a.example"></body></html>',
      '/other-prefix': page(`${DOMAIN}/other mod https://a.example`),
      '/hg': page(`${DOMAIN}/hg hg https://hg.example/r`),
    });
    const cases: [module: string, reason: RegExp][] = [
      ['two-tags', /multiple meta tags match import path "dmitri\.shuralyov\.com\/two-tags"/],
      ['four-fields', /four-fields\?go-get=1: no go-import meta tags$/],
      ['in-body', /in-body\?go-get=1: no go-import meta tags$/],
      ['other-prefix', /no go-import meta tags match \(found dmitri\.shuralyov\.com\/other\)/],
      ['hg', /serves dmitri\.shuralyov\.com\/hg with hg; check reads only mod and git/],
      ['nosuch', /nosuch\?go-get=1: 404, no go-import meta tags$/],
    ];
    const result = await check(t, world, ['--mirror', world.mirror, ...cases.map(([m]) => `${DOMAIN}/${m}`)]);
    assert.equal(result.code, 1);
    for (const [module, reason] of cases) {
      const block = result.stdout.split('\n\n').find((b) => b.startsWith(`${DOMAIN}/${module}\n`)) ?? '';
      assert.match(block, /^ {2}not checked: {4}(primary: |the primary serves)/m, module);
      assert.match(block, reason, module);
    }
    assert.match(result.stdout, /^NOT READY: 6 modules, 0 versions missing from the mirror, 6 not checked$/m);

    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    const down = await check(t, world, ['--primary', `https://localhost:${port}`, '--mirror', world.mirror, `${DOMAIN}/gpu/mtl`]);
    assert.equal(down.code, 1);
    assert.match(down.stdout, new RegExp(`not checked: {4}primary: GET https://localhost:${port}/gpu/mtl\\?go-get=1: connection refused: nothing is listening at localhost:${port}$`, 'm'));
  });

  test('check retries a mirror that answers 503, and reports one that keeps failing', async (t) => {
    const world = await startCheckWorld(t);
    world.failNext(2);
    const recovered = await check(t, world, ['--mirror', world.mirror, `${DOMAIN}/state/v2`]);
    assert.equal(recovered.code, 0, recovered.stdout);
    assert.equal(world.mirrorRequests.filter((r) => r === '/dmitri.shuralyov.com/state/v2/@v/list').length, 3, 'two failures, then success');

    world.failNext(1_000);
    const before = world.mirrorRequests.length;
    const failing = await check(t, world, ['--mirror', world.mirror, '--retries', '5', `${DOMAIN}/state/v2`]);
    assert.equal(failing.code, 1);
    assert.match(failing.stdout, /not checked: {4}https:\/\/localhost:\d+\/dmitri\.shuralyov\.com\/state\/v2\/@v\/list: 503/);
    assert.equal(world.mirrorRequests.length - before, 6, '--retries 5: six tries');

    const usage = await check(t, world, ['--mirror', world.mirror, '--backoff', '3', '--max-backoff', '2', `${DOMAIN}/state/v2`]);
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr, 'modfallback: --backoff must not be longer than --max-backoff\n');
  });

  test('check --json prints one document with the documented shape', async (t) => {
    const world = await startCheckWorld(t);
    const result = await check(t, world, ['--json', '--mirror', `${world.mirror}/cached-only`, `${DOMAIN}/gpu/mtl`, `${DOMAIN}/nosuch`]);
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout) as {
      ready: boolean; primary: string; mirror: string; fallback: null;
      modules: { path: string; source: { vcs: string; url: string } | null; primary: string[]; mirror: string[];
        missing: string[]; warmed: string[]; warmFailures: string[]; fallback: string | null; error: string | null }[];
      summary: { modules: number; missingVersions: number; warmedVersions: number; notChecked: number };
    };
    assert.equal(report.ready, false);
    assert.equal(report.mirror, `${world.mirror}/cached-only`);
    assert.deepEqual(report.summary, { modules: 2, missingVersions: 1, warmedVersions: 0, notChecked: 1 });
    const mtl = report.modules[0];
    const nosuch = report.modules[1];
    assert.ok(nosuch);
    assert.deepEqual(mtl, {
      path: `${DOMAIN}/gpu/mtl`, source: { vcs: 'mod', url: `${world.primary}/proxy` },
      primary: ['v0.1.0', 'v0.2.0', 'v0.3.0'], mirror: ['v0.1.0', 'v0.2.0'], missing: ['v0.3.0'], warmed: [],
      warmFailures: [], fallback: null, error: null,
    });
    assert.equal(nosuch.source, null);
    assert.match(nosuch.error ?? '', /404/);
  });

  test('check --fallback verifies a running modfallback, and catches a wrong one', async (t) => {
    const world = await startCheckWorld(t);
    const leaf = await world.pki.issue('fallback', ['localhost']);
    const start = async (mirror: string): Promise<string> => {
      const cli = startCli(t, ['--cert', leaf.certFile, '--key', leaf.keyFile, '--port', '0', '--host', '127.0.0.1', '--mirror', mirror]);
      const port = Number((await cli.waitForLog((l) => l.msg === 'listening')).port);
      return `https://localhost:${port}`;
    };
    const modules = [`${DOMAIN}/state/v2`, `${DOMAIN}/Go/Upper`];
    const right = await check(t, world, ['--mirror', world.mirror, '--fallback', await start(world.mirror), ...modules]);
    assert.equal(right.code, 0, right.stdout);
    assert.match(right.stdout, /^ {2}fallback: {7}ok$/m);
    assert.match(right.stdout, /fallback ok$/m);

    const wrong = await check(t, world, ['--mirror', world.mirror, '--fallback', await start('https://elsewhere.example'), ...modules]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, new RegExp(`fallback: {7}answers "${DOMAIN}/state/v2 mod https://elsewhere.example", expected "${DOMAIN}/state/v2 mod ${world.mirror}"`));
    assert.match(wrong.stdout, /^NOT READY: .*fallback wrong for 2$/m);
  });

  test('check reads --modules files and refuses bad module paths with exit 2', async (t) => {
    const world = await startCheckWorld(t);
    const dir = await tempDir(t, 'modfallback-modules-');
    const good = join(dir, 'modules.txt');
    await writeFile(good, `# modules of the domain\n${DOMAIN}/state/v2   # the v2 line\n\n${DOMAIN}/Go/Upper\n`);
    const fromFile = await check(t, world, ['--mirror', world.mirror, '--modules', good]);
    assert.equal(fromFile.code, 0, fromFile.stdout + fromFile.stderr);
    assert.match(fromFile.stdout, /^ready: 2 modules/m);

    const bad = join(dir, 'bad.txt');
    await writeFile(bad, `${DOMAIN}/ok\n${DOMAIN}/a//b\n`);
    const cases: [args: string[], message: RegExp][] = [
      [['--modules', bad], /^modfallback: --modules .*bad\.txt:2: "dmitri\.shuralyov\.com\/a\/\/b" is not a module path: double slash$/],
      [['--modules', join(dir, 'none.txt')], /^modfallback: --modules .*none\.txt: cannot read: no such file or directory$/],
      [['example.com/x'], /^modfallback: module "example\.com\/x" is not under --domain dmitri\.shuralyov\.com$/],
      [[`${DOMAIN}/x/v1`], /is not a module path: invalid major version suffix/],
      [[], /no modules to check/],
      [['--concurrency', '0', `${DOMAIN}/x`], /--concurrency/],
      [['--primary', 'ftp://x', `${DOMAIN}/x`], /--primary/],
    ];
    for (const [args, message] of cases) {
      const result = await check(t, world, args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr.trimEnd(), message);
      assert.equal(result.stderr.trimEnd().split('\n').length, 1);
    }
  });
});
