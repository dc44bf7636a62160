import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { test } from 'node:test';
import { fingerprint, presentedFingerprint } from './helpers/peer.js';
import { startCli } from './helpers/process.js';
import { makePki, tempDir } from './helpers/tls.js';

const DOMAIN = 'dmitri.shuralyov.com';

/** Replaces a file the way renewal tools do: write beside it, then rename over it. */
async function replace(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

test('certificates reload on file change and SIGHUP; broken pairs are refused; open connections survive', async (t) => {
  const pki = await makePki(t);
  const dir = await tempDir(t, 'modfallback-reload-');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const first = await pki.issue('first', [DOMAIN]);
  await writeFile(certFile, first.cert);
  await writeFile(keyFile, first.key);

  const cli = startCli(t, ['--cert', certFile, '--key', keyFile, '--port', '0', '--host', '127.0.0.1']);
  const port = Number((await cli.waitForLog((l) => l.msg === 'listening')).port);
  const loaded = (reason: string, after: number) => cli.waitForLog((l) =>
    l.msg === 'certificate loaded' && l.reason === reason && cli.logs.indexOf(l) >= after);
  const start = await loaded('start', 0);
  assert.deepEqual(start.names, [DOMAIN]);
  assert.match(String(start.notAfter), /^\d{4}-/);
  assert.equal(await presentedFingerprint(port, pki.ca.cert, DOMAIN), fingerprint(first.cert));

  // A connection opened before the reload.
  const open = connect({ host: '127.0.0.1', port, ca: pki.ca.cert, servername: DOMAIN });
  t.after(() => open.destroy());
  await once(open, 'secureConnect');

  // 1. File replacement.
  const second = await pki.issue('second', [DOMAIN, 'localhost']);
  let mark = cli.logs.length;
  await replace(keyFile, second.key);
  await replace(certFile, second.cert);
  const changed = await loaded('file change', mark);
  assert.deepEqual(changed.names, [DOMAIN, 'localhost']);
  assert.equal(await presentedFingerprint(port, pki.ca.cert, DOMAIN), fingerprint(second.cert));

  open.write(`GET /.ping HTTP/1.1\r\nHost: ${DOMAIN}\r\nConnection: close\r\n\r\n`);
  const [reply] = await once(open, 'data') as [Buffer];
  assert.match(reply.toString(), /^HTTP\/1\.1 200 /, 'the connection opened before the reload still works');

  // 2. A broken pair: refused, the previous certificate keeps serving.
  const stranger = await pki.issue('stranger', [DOMAIN]);
  mark = cli.logs.length;
  await replace(keyFile, stranger.key);
  cli.child.kill('SIGHUP');
  const refused = await cli.waitForLog((l) => l.msg === 'certificate reload refused; still serving the previous certificate'
    && cli.logs.indexOf(l) >= mark);
  assert.equal(refused.level, 'error');
  assert.match(String(refused.problem), /does not match the certificate/);
  assert.equal(await presentedFingerprint(port, pki.ca.cert, DOMAIN), fingerprint(second.cert));

  // 3. SIGHUP after the pair is whole again, with a certificate that expires soon.
  const soon = await pki.issue('soon', [DOMAIN], { days: 5 });
  await replace(certFile, soon.cert);
  await replace(keyFile, soon.key);
  mark = cli.logs.length;
  cli.child.kill('SIGHUP');
  await loaded('SIGHUP', mark);
  const warning = await cli.waitForLog((l) => l.level === 'warn' && cli.logs.indexOf(l) >= mark);
  assert.match(String(warning.msg), /expires soon/);
  assert.equal(await presentedFingerprint(port, pki.ca.cert, DOMAIN), fingerprint(soon.cert));

  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0, 'SIGHUP never stopped the server');
});
