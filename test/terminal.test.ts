import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DOMAIN, startCheckWorld } from './helpers/check-world.js';
import { httpsRequest } from './helpers/https.js';
import { canMakeTerminal, startInTerminal } from './helpers/terminal.js';
import { tempDir } from './helpers/tls.js';

/** Whether the test can run; on CI a missing `script` is a failure, not a skip. */
function needsTerminal(t: TestContext): boolean {
  if (canMakeTerminal()) return true;
  assert.notEqual(process.env.CI, 'true', 'CI=true but there is no `script` (util-linux) to make a terminal');
  t.skip('no `script` (util-linux) to make a terminal');
  return false;
}

test('on a terminal, serve logs one readable line per event, with IPv6 addresses short', async (t) => {
  if (!needsTerminal(t)) return;
  const dir = await tempDir(t, 'modfallback-terminal-');
  const terminal = startInTerminal(t, ['serve', '--dev', '--certs-dir', dir, '--port', '0', '--host', '127.0.0.1']);
  const port = Number((await terminal.waitFor(/on port (\d+)/))[1]);
  const answer = await httpsRequest({ port, ca: await readFile(join(dir, 'ca.pem'), 'utf8'), path: '/gpu/mtl?go-get=1' });
  assert.equal(answer.status, 200);

  const time = String.raw`\[\d\d:\d\d:\d\d\.\d{3}\]`;
  await terminal.waitFor(new RegExp(`^${time} INFO: request \\{"method":"GET","url":"/gpu/mtl\\?go-get=1","status":200,`, 'm'));
  const listening = (await terminal.waitFor(new RegExp(`^${time} INFO: listening .*$`, 'm')))[0];
  assert.ok(listening.length < 300, `a short line: ${listening}`);
  assert.doesNotMatch(listening, /"limits"|"pid"/);
  const loaded = (await terminal.waitFor(new RegExp(`^${time} INFO: certificate loaded .*$`, 'm')))[0];
  assert.match(loaded, /"names":\["dmitri\.shuralyov\.com","localhost","127\.0\.0\.1","::1"\]/);
  assert.doesNotMatch(terminal.screen(), /^\{"level"/m, 'no JSON lines on a terminal');

  terminal.interrupt();
  assert.equal(await terminal.exited, 0);
  assert.match(terminal.screen(), new RegExp(`^${time} INFO: stopped \\{"forced":false\\}$`, 'm'));
});

test('on a terminal, check shows which module it is at, and which step, and clears the line when done', async (t) => {
  if (!needsTerminal(t)) return;
  const world = await startCheckWorld(t);
  world.failNext(1);
  const terminal = startInTerminal(t, ['check', '--primary', world.primary, '--mirror', world.mirror,
    '--backoff', '0.01', '--max-backoff', '0.02', `${DOMAIN}/state/v2`], { env: { NODE_EXTRA_CA_CERTS: world.pki.caFile }, columns: 200 });
  assert.equal(await terminal.exited, 0, terminal.screen());
  const shown = terminal.screen();
  for (const step of [
    'asking the primary for its go-import tag',
    `listing versions at ${world.primary}/proxy`,
    "listing the mirror's versions",
    "listing the mirror's versions: 503 Service Unavailable, try 2 of 4",
  ]) {
    assert.ok(shown.includes(`\r[0/1 done] ${DOMAIN}/state/v2: ${step}`), `progress shows "${step}":\n${JSON.stringify(shown)}`);
  }
  assert.match(shown, /\rdmitri\.shuralyov\.com\/state\/v2 {2}\(mod /, 'the line is cleared before the report');
  assert.match(shown, /^ready: 1 module, 0 versions missing from the mirror$/m);

  // A narrow terminal: each progress line is cut to fit, or it would wrap and the next could not replace it.
  const narrow = startInTerminal(t, ['check', '--primary', world.primary, '--mirror', world.mirror, `${DOMAIN}/state/v2`],
    { env: { NODE_EXTRA_CA_CERTS: world.pki.caFile }, columns: 50 });
  assert.equal(await narrow.exited, 0, narrow.screen());
  const lines = narrow.screen().split(/[\r\n]/).filter((line) => line.startsWith('['));
  assert.ok(lines.length > 0);
  for (const line of lines) assert.ok(line.length < 50, `fits in 50 columns: ${line}`);
});
