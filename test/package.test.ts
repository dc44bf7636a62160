import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parseGoImports } from '../src/check/go-import.js';
import { httpsRequest } from './helpers/https.js';
import { startCli } from './helpers/process.js';
import { tempDir } from './helpers/tls.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** The environment of a user's shell: none of the npm_* variables of the npm running the tests, and no update check. */
function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

test('the tarball holds only what runs, and installs and serves with no network and no node_modules', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t, 'modfallback-pack-');
  const env = userEnv();
  // --ignore-scripts: pack the dist/ that npm test just built, without rebuilding it under the other tests.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, env });
  const [tarball] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  assert.ok(tarball);
  const files = tarball.files.map((f) => f.path);
  assert.ok(files.includes('dist/modfallback.js'));
  for (const file of files) {
    assert.ok(['package.json', 'README.md', 'LICENSE'].includes(file) || /^dist\/(chunks\/)?[\w-]+\.js$/.test(file),
      `${file} is not something that runs`);
  }

  const prefix = join(dir, 'prefix');
  await run('npm', ['install', '--global', '--offline', '--prefix', prefix, join(dir, tarball.filename)], { cwd: dir, env });
  const installed = join(prefix, 'lib', 'node_modules', 'modfallback');
  assert.ok(existsSync(join(installed, 'dist', 'modfallback.js')));
  assert.equal(existsSync(join(installed, 'node_modules')), false, 'installing pulled in no packages');

  // From a directory with no node_modules anywhere above it, as an installed command runs.
  const bin = join(prefix, 'bin', 'modfallback');
  const shown = await run(bin, ['--version'], { cwd: dir, env });
  assert.equal(shown.stdout, `${version}\n`);

  const cli = startCli(t, ['serve', '--dev', '--certs-dir', join(dir, 'certs'), '--port', '0', '--host', '127.0.0.1'],
    { cli: bin, cwd: dir, env });
  const port = Number((await cli.waitForLog((l) => l.msg === 'listening')).port);
  const answer = await httpsRequest({ port, ca: await readFile(join(dir, 'certs', 'ca.pem'), 'utf8'), path: '/gpu/mtl?go-get=1' });
  assert.equal(answer.status, 200);
  assert.deepEqual(parseGoImports(answer.body).map((i) => i.repoRoot), ['https://proxy.golang.org']);
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
});

/** Whether a process is alive: not gone, and not a zombie waiting for a parent that will never reap it. */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => { socket.destroy(); resolve(false); });
    socket.on('error', (error: NodeJS.ErrnoException) => { resolve(error.code === 'ECONNREFUSED'); });
  });
}

test('npm start runs the server itself: killing npm by its PID stops the server and frees the port', { timeout: 30_000 }, async (t) => {
  const dir = await tempDir(t, 'modfallback-npm-start-');
  const npm = spawn('npm', ['start', '--', '--certs-dir', dir, '--port', '0', '--host', '127.0.0.1'],
    { cwd: ROOT, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let server: { pid: number; port: number } | undefined;
  t.after(() => {
    if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
    // Without exec, this is the server npm left behind.
    if (server !== undefined && isRunning(server.pid)) process.kill(server.pid, 'SIGKILL');
  });
  const lines = createInterface({ input: npm.stdout });
  for await (const line of lines) {
    const log = line.startsWith('{') ? JSON.parse(line) as Record<string, unknown> : {};
    if (log.msg === 'listening') {
      server = { pid: Number(log.pid), port: Number(log.port) };
      break;
    }
  }
  assert.ok(server !== undefined, 'the server said it was listening');
  assert.notEqual(server.pid, npm.pid);

  npm.kill('SIGTERM');
  await once(npm, 'exit');
  const deadline = Date.now() + 5_000;
  while (isRunning(server.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(isRunning(server.pid), false, `the server (pid ${server.pid}) went when npm went`);
  assert.ok(await refused(server.port), `port ${server.port} is free`);
});
