// End to end with the real go command through the Worker: npm run edge runs it
// in local workerd as the vanity server, and the go command resolves modules
// through it exactly as through the Node server (test/go-command.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alive, startEdgeCli, workerdChildren } from './helpers/edge-process.js';
import { needGo, startGoWorld } from './helpers/go-world.js';
import { MODULES, scenarios } from './helpers/go-scenarios.js';
import type { CliProcess } from './helpers/process.js';

test('the go command resolves modules through the Worker in local workerd', { timeout: 120_000 }, async (t) => {
  if (!needGo(t)) return;
  let launcher: CliProcess | undefined;
  const world = await startGoWorld(t, {
    modules: MODULES,
    vanity: async (t, tls) => {
      const cli = startEdgeCli(t, ['--port', '0', '--cert', tls.certFile, '--key', tls.keyFile, '--mirror', 'https://proxy.golang.org']);
      launcher = cli;
      const listening = await cli.waitForLog((line) => line.msg === 'listening');
      return {
        port: Number(listening.port),
        sawRequest: (pathAndQuery) => cli.waitForLog((l) => l.msg === 'fallback' && l.url === pathAndQuery, 5_000)
          .then(() => true, () => false),
      };
    },
  });

  await t.test('a nested package: go get, then go run', () => scenarios.nestedPackage(world));
  await t.test('a major-version module (/v2)', () => scenarios.majorVersion(world));
  await t.test('a path with upper-case letters', () => scenarios.upperCase(world));
  await t.test('a module at the bare domain', () => scenarios.bareDomain(world));
  await t.test('an unknown module shows the mirror 404', () => scenarios.unknownModule(world));

  await t.test('SIGTERM stops workerd, then the launcher exits 0', async () => {
    assert.ok(launcher);
    const workerd = await workerdChildren(launcher.child.pid ?? 0);
    assert.equal(workerd.length, 1, 'the launcher runs one workerd');
    launcher.child.kill('SIGTERM');
    assert.equal(await launcher.exited, 0, launcher.stderr());
    assert.deepEqual(workerd.filter(alive), [], 'workerd is gone');
    assert.match(launcher.stderr(), /modfallback-edge: stopped on SIGTERM\n$/);
  });
});
