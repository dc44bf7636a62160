// End to end with the real go command: it resolves modules through modfallback
// over HTTPS, fetches them from a local mirror, and builds a program with them.
// Nothing leaves loopback: a CONNECT proxy routes the two host names.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createResponder } from '../src/core/respond.js';
import {
  DOMAIN, FORBIDDEN_PROXY_HOST, NOT_FOUND_PROXY_HOST, goVersion, startGoWorld,
  type GoWorld, type GoWorldOptions, type VanityServer,
} from './helpers/go-world.js';
import type { FixtureModule, FixtureVersion } from './helpers/module-mirror.js';
import { TEST_CONFIG } from './helpers/server.js';

const MTL = `${DOMAIN}/gpu/mtl`;
const PSEUDO = 'v0.0.0-20190408044501-666a987793e9';

function version(v: string, time: string, listed: boolean, files: Record<string, string>): FixtureVersion {
  return { version: v, time, listed, files };
}

function mtlFiles(label: string): Record<string, string> {
  return {
    'mtl.go': 'package mtl\n',
    'example/movingobjects/movingobjects.go':
      `package movingobjects\n\n// Describe says which version was built.\nfunc Describe() string { return "moving objects from mtl ${label}" }\n`,
  };
}

const MODULES: readonly FixtureModule[] = [
  { path: MTL, versions: [
    version(PSEUDO, '2019-04-08T04:45:01Z', false, mtlFiles(PSEUDO)),
    version('v0.1.0', '2020-01-01T00:00:00Z', true, mtlFiles('v0.1.0')),
    version('v0.2.0', '2021-01-01T00:00:00Z', true, mtlFiles('v0.2.0')),
  ] },
  { path: `${DOMAIN}/state/v2`, versions: [
    version('v2.0.0', '2020-01-01T00:00:00Z', true, { 'state.go': 'package state\n' }),
    version('v2.1.0', '2021-01-01T00:00:00Z', true, { 'state.go': 'package state\n' }),
  ] },
  { path: `${DOMAIN}/Go/Upper`, versions: [version('v1.0.0', '2020-01-01T00:00:00Z', true, { 'upper.go': 'package upper\n' })] },
  { path: DOMAIN, versions: [version('v1.0.0', '2020-01-01T00:00:00Z', true, { 'root.go': 'package root\n' })] },
];

type Scenario = (world: GoWorld) => Promise<void>;

async function ok(world: GoWorld, args: string[], env?: Record<string, string>): Promise<string> {
  const ws = await world.workspace();
  const result = await ws.go(args, env);
  assert.equal(result.code, 0, `go ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

async function assertVanitySaw(world: GoWorld, pathAndQuery: string): Promise<void> {
  assert.ok(await world.vanity.sawRequest(pathAndQuery), `the vanity server was not asked for ${pathAndQuery}`);
}

const scenarios = {
  /** 1. go get of a package deep inside a module, then go run of a program importing it. */
  async nestedPackage(world) {
    const ws = await world.workspace();
    await writeFile(join(ws.dir, 'main.go'), `package main\n\nimport (\n\t"fmt"\n\n\t"${MTL}/example/movingobjects"\n)\n\nfunc main() { fmt.Println(movingobjects.Describe()) }\n`);
    const get = await ws.go(['get', `${MTL}/example/movingobjects`]);
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stderr, /go: added dmitri\.shuralyov\.com\/gpu\/mtl v0\.2\.0/);
    const run = await ws.go(['run', '.']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'moving objects from mtl v0.2.0\n');
    await assertVanitySaw(world, '/gpu/mtl/example/movingobjects?go-get=1');
    await assertVanitySaw(world, '/gpu/mtl?go-get=1');
    assert.ok(world.mirror.requests.includes(`/${MTL}/@v/v0.2.0.zip`));
  },

  /** 2. go list -m -versions. */
  async listVersions(world) {
    assert.equal(await ok(world, ['list', '-m', '-versions', MTL]), `${MTL} v0.1.0 v0.2.0\n`);
  },

  /** 3. go mod download -json of an exact version, a pseudo-version and @latest. */
  async download(world) {
    const stdout = await ok(world, ['mod', 'download', '-json', `${MTL}@v0.1.0`, `${MTL}@${PSEUDO}`, `${MTL}@latest`]);
    const downloads = stdout.split(/\n(?=\{)/).map((s) => JSON.parse(s) as { Version?: string; Error?: string; Zip?: string });
    assert.deepEqual(downloads.map((d) => d.Version).sort(), [PSEUDO, 'v0.1.0', 'v0.2.0']);
    for (const d of downloads) {
      assert.equal(d.Error, undefined);
      assert.match(d.Zip ?? '', /\.zip$/);
    }
  },

  /** 4. A major-version module. */
  async majorVersion(world) {
    assert.equal(await ok(world, ['list', '-m', '-versions', `${DOMAIN}/state/v2`]), `${DOMAIN}/state/v2 v2.0.0 v2.1.0\n`);
    await assertVanitySaw(world, '/state/v2?go-get=1');
  },

  /** 5. Upper case in the path: the mirror sees the !-escaped form. */
  async upperCase(world) {
    const stdout = await ok(world, ['mod', 'download', '-json', `${DOMAIN}/Go/Upper@v1.0.0`]);
    assert.equal((JSON.parse(stdout) as { Version: string }).Version, 'v1.0.0');
    await assertVanitySaw(world, '/Go/Upper?go-get=1');
    assert.ok(world.mirror.requests.includes(`/${DOMAIN}/!go/!upper/@v/v1.0.0.zip`), world.mirror.requests.join('\n'));
  },

  /** 6. A module at the bare domain. */
  async bareDomain(world) {
    assert.equal(await ok(world, ['list', '-m', '-versions', DOMAIN]), `${DOMAIN} v1.0.0\n`);
    await assertVanitySaw(world, '/?go-get=1');
  },

  /** 7. An unknown module fails, and the message shows the mirror's 404. */
  async unknownModule(world) {
    const ws = await world.workspace();
    const result = await ws.go(['list', '-m', '-versions', `${DOMAIN}/no/such`]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /proxy\.golang\.org\/dmitri\.shuralyov\.com\/no\/such\/@v\/list: 404 Not Found/);
    assert.match(result.stderr, /server response: not found: no module at/);
  },

  /** 9. --mirror with a base path: the mirror sees requests under it. */
  async mirrorBasePath(world) {
    await ok(world, ['mod', 'download', '-json', `${MTL}@v0.1.0`]);
    assert.ok(world.mirror.requests.includes(`/cached-only/${MTL}/@v/v0.1.0.zip`), world.mirror.requests.join('\n'));
  },
} satisfies Record<string, Scenario>;

const go = goVersion();

test('end to end with the real go command', { timeout: 120_000 }, async (t) => {
  if (go === null) {
    // One visible line when there is no go command, except in CI where it is a failure.
    assert.notEqual(process.env.CI, 'true', 'CI=true but there is no go command on PATH (.ci/run installs golang-go)');
    t.skip('no go command on PATH: install golang-go to run the end-to-end tests');
    return;
  }
  t.diagnostic(go);
  await t.test('the go command resolves modules through modfallback', scenarios1to7);
  await t.test('8. each way a go command reaches a vanity server gets there and succeeds', proxyModes);
  await t.test('9. --mirror with a base path', basePath);
  await t.test('10. negative controls: the same scenarios fail against wrong servers', negativeControls);
});

async function scenarios1to7(t: TestContext): Promise<void> {
  const world = await startGoWorld(t, { modules: MODULES });
  await t.test('1. go get of a nested package, then go run', () => scenarios.nestedPackage(world));
  await t.test('2. go list -m -versions', () => scenarios.listVersions(world));
  await t.test('3. go mod download: version, pseudo-version, @latest', () => scenarios.download(world));
  await t.test('4. a major-version module', () => scenarios.majorVersion(world));
  await t.test('5. a path with upper-case letters', () => scenarios.upperCase(world));
  await t.test('6. a module at the bare domain', () => scenarios.bareDomain(world));
  await t.test('7. an unknown module shows the mirror 404', () => scenarios.unknownModule(world));
}

async function proxyModes(t: TestContext): Promise<void> {
  const download = ['mod', 'download', '-json', `${MTL}@v0.1.0`];

  await t.test('GOPROXY=direct', async (t) => {
    const world = await startGoWorld(t, { modules: MODULES });
    await ok(world, download, { GOPROXY: 'direct' });
    await assertVanitySaw(world, '/gpu/mtl?go-get=1');
  });

  await t.test('GOPRIVATE, with a GOPROXY that must not be asked', async (t) => {
    const world = await startGoWorld(t, { modules: MODULES });
    await ok(world, download, { GOPRIVATE: DOMAIN, GOPROXY: `https://${FORBIDDEN_PROXY_HOST}` });
    await assertVanitySaw(world, '/gpu/mtl?go-get=1');
    assert.deepEqual(world.proxy.connects.filter((c) => c.startsWith(FORBIDDEN_PROXY_HOST)), []);
  });

  await t.test('GOPROXY=<a proxy answering 404>,direct', async (t) => {
    const world = await startGoWorld(t, { modules: MODULES });
    await ok(world, download, { GOPROXY: `https://${NOT_FOUND_PROXY_HOST},direct` });
    assert.ok(world.notFoundProxy.requests.some((r) => r.startsWith(`/${MTL}/@v/`)), 'the proxy was asked first');
    await assertVanitySaw(world, '/gpu/mtl?go-get=1');
  });
}

async function basePath(t: TestContext): Promise<void> {
  const world = await startGoWorld(t, {
    modules: MODULES, mirrorBasePath: '/cached-only', fallbackMirror: 'https://proxy.golang.org/cached-only',
  });
  await scenarios.mirrorBasePath(world);
}

async function negativeControls(t: TestContext): Promise<void> {
  const wrong = (t: TestContext, options: Omit<GoWorldOptions, 'modules'>) =>
    startGoWorld(t, { modules: MODULES, ...options });

  await t.test('a server that emits "domain/" for the root fails scenario 6', async (t) => {
    const world = await wrong(t, { vanity: wrongVanity((body) => body.replace(`"${DOMAIN} mod`, `"${DOMAIN}/ mod`)) });
    await assert.rejects(scenarios.bareDomain(world), /meta tag dmitri\.shuralyov\.com\/ did not match import path dmitri\.shuralyov\.com/);
  });

  await t.test('a server that emits a 4-field content fails scenario 2', async (t) => {
    const world = await wrong(t, { vanity: wrongVanity((body) => body.replace(/(content="[^"]*)"/, '$1 subdir"')) });
    await assert.rejects(scenarios.listVersions(world), /no go-import meta tags \(\)/);
  });

  await t.test('a fallback that drops the mirror base path fails scenario 9', async (t) => {
    const world = await wrong(t, { mirrorBasePath: '/cached-only', fallbackMirror: 'https://proxy.golang.org' });
    await assert.rejects(scenarios.mirrorBasePath(world), /404 Not Found/);
  });
}

/** A vanity server that answers like modfallback, then breaks its page in one way. */
function wrongVanity(transform: (body: string) => string) {
  return async (t: TestContext, tls: ServerOptions): Promise<VanityServer> => {
    const respond = createResponder(TEST_CONFIG);
    const requests: string[] = [];
    const server = createServer(tls, (req, res) => {
      requests.push(req.url ?? '');
      const answer = respond({ method: req.method ?? '', target: req.url ?? '', hostHeaders: 1 });
      const body = transform(answer.body);
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
    return {
      port: (server.address() as AddressInfo).port,
      sawRequest: (pathAndQuery) => Promise.resolve(requests.includes(pathAndQuery)),
    };
  };
}
