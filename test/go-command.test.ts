// End to end with the real go command: it resolves modules through modfallback
// over HTTPS, fetches them from a local mirror, and builds a program with them.
// Nothing leaves loopback: a CONNECT proxy routes the two host names.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { createResponder } from '../src/core/respond.js';
import {
  DOMAIN, FORBIDDEN_PROXY_HOST, NOT_FOUND_PROXY_HOST, needGo, startGoWorld,
  type GoWorldOptions, type VanityServer,
} from './helpers/go-world.js';
import { MODULES, MTL, assertVanitySaw, ok, scenarios } from './helpers/go-scenarios.js';
import { TEST_CONFIG } from './helpers/server.js';

test('end to end with the real go command', { timeout: 120_000 }, async (t) => {
  if (!needGo(t)) return;
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
