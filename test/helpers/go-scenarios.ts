// What the real go command is asked to do against a vanity server, and what
// must come of it: the scenarios every server standing in for the domain (the
// Node server, the Worker) passes, with the modules the test mirror holds.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DOMAIN, type GoWorld } from './go-world.js';
import type { FixtureModule, FixtureVersion } from './module-mirror.js';

export const MTL = `${DOMAIN}/gpu/mtl`;
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

export const MODULES: readonly FixtureModule[] = [
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

export type Scenario = (world: GoWorld) => Promise<void>;

export async function ok(world: GoWorld, args: string[], env?: Record<string, string>): Promise<string> {
  const ws = await world.workspace();
  const result = await ws.go(args, env);
  assert.equal(result.code, 0, `go ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

export async function assertVanitySaw(world: GoWorld, pathAndQuery: string): Promise<void> {
  assert.ok(await world.vanity.sawRequest(pathAndQuery), `the vanity server was not asked for ${pathAndQuery}`);
}

export const scenarios = {
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

