// Starts the built server once, on loopback, and has it answer a request, so
// that it writes the code cache beside its bundle (src/cached-script.ts) as
// part of the build. A server that later runs where it cannot write, such as
// the README's systemd unit (ProtectSystem=strict), still starts from it, as
// long as the same Node runs it. Best effort: without a cache a start is only
// slower, so a failure here is one line of warning, not a failed install.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL, fileURLToPath } from 'node:url';
import { createAuthority, issueServerCertificate } from '../dist/issue-certificates.js';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
// Well over the second after `listening` at which the server writes it.
const DEADLINE_MS = 20_000;

const hasCache = () => readdirSync(DIST).some((name) => name.endsWith(`-v8-${process.versions.v8}.cache`));

async function warm(dir) {
  const ca = await createAuthority('modfallback build');
  const leaf = await issueServerCertificate(ca, ['localhost']);
  writeFileSync(join(dir, 'cert.pem'), leaf.cert);
  writeFileSync(join(dir, 'key.pem'), leaf.key);
  const server = spawn(process.execPath, [join(DIST, 'modfallback.js'), 'serve', '--cert', join(dir, 'cert.pem'),
    '--key', join(dir, 'key.pem'), '--port', '0', '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const port = await listeningPort(server);
    await get(port, ca.cert);
    const deadline = Date.now() + DEADLINE_MS;
    while (!hasCache()) {
      if (Date.now() > deadline) throw new Error(`the server wrote none in ${DEADLINE_MS / 1000} s`);
      await sleep(100);
    }
  } finally {
    server.kill('SIGTERM');
    if (server.exitCode === null) await once(server, 'exit');
  }
}

/** The port from the server's `listening` log line; its later lines are read and dropped, so that it never blocks on a full pipe. */
function listeningPort(server) {
  return new Promise((resolve, reject) => {
    createInterface({ input: server.stdout }).on('line', (line) => {
      const { msg, port } = JSON.parse(line);
      if (msg === 'listening') resolve(port);
    });
    server.once('exit', () => { reject(new Error('the server exited before listening')); });
  });
}

function get(port, ca) {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/?go-get=1', ca, servername: 'localhost', headers: { host: 'localhost' } }, (res) => {
      res.resume().on('end', resolve);
    }).on('error', reject).end();
  });
}

const dir = mkdtempSync(join(tmpdir(), 'modfallback-build-'));
try {
  await warm(dir);
} catch (error) {
  process.stderr.write(`modfallback build: no code cache made (${error.message}); a server's first start makes one if it can write to ${DIST}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
