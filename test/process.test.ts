import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync } from 'node:fs';
import { chmod, readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parseGoImports } from '../src/check/go-import.js';
import { httpsRequest } from './helpers/https.js';
import { runCli, startCli, type CliOptions, type CliProcess } from './helpers/process.js';
import { makePki, tempDir } from './helpers/tls.js';

const run = promisify(execFile);

async function listeningPort(cli: CliProcess): Promise<number> {
  const line = await cli.waitForLog((l) => l.msg === 'listening');
  return Number(line.port);
}

test('serve --dev makes certificates, prints a curl command that works as printed, and stops on SIGTERM', async (t) => {
  const cwd = await tempDir(t, 'modfallback-start-');
  const cli = startCli(t, ['serve', '--dev', '--port', '0', '--host', '127.0.0.1'], { cwd });
  const listening = await cli.waitForLog((l) => l.msg === 'listening');
  const port = Number(listening.port);
  assert.equal(listening.domain, 'dmitri.shuralyov.com');
  assert.equal(listening.mirror, 'https://proxy.golang.org');
  assert.doesNotMatch(JSON.stringify(cli.logs), /PRIVATE KEY/, 'no key material in logs');

  const hint = (await cli.waitForStderr(/try: (curl .*)$/m))[1];
  assert.equal(hint, `curl --cacert certs/ca.pem 'https://localhost:${port}/?go-get=1'`);
  const { stdout } = await run('sh', ['-c', `${hint} --silent --show-error`], { cwd });
  assert.deepEqual(parseGoImports(stdout).map((i) => `${i.prefix} ${i.vcs} ${i.repoRoot}`),
    ['dmitri.shuralyov.com mod https://proxy.golang.org']);
  assert.match(await readFile(join(cwd, 'certs', 'ca.pem'), 'utf8'), /BEGIN CERTIFICATE/);
  // Request lines are batched, but reach stdout within a fraction of a second, not only at exit.
  await cli.waitForLog((l) => l.msg === 'request' && l.status === 200, 2_000);

  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
  assert.ok(cli.logs.some((l) => l.msg === 'stopped'), 'the last line is not lost at exit');
});

test('start-up failures: exit 1 and one line naming the input, no stack trace', async (t) => {
  const pki = await makePki(t);
  const good = await pki.issue('good', ['dmitri.shuralyov.com']);
  const other = await pki.issue('other', ['dmitri.shuralyov.com']);
  const busy = createServer().listen(0, '127.0.0.1');
  await once(busy, 'listening');
  t.after(() => busy.close());
  const busyPort = String((busy.address() as AddressInfo).port);

  const cases: [args: string[], message: RegExp][] = [
    [['--cert', join(pki.dir, 'nope.pem'), '--key', good.keyFile], /^--cert .*nope\.pem: cannot read: no such file or directory$/],
    [['--cert', pki.caFile, '--key', good.keyFile], /does not match the certificate/],
    [['--cert', good.certFile, '--key', other.keyFile], /does not match the certificate/],
    [['--cert', good.keyFile, '--key', good.keyFile], /not a PEM certificate/],
    [['--cert', good.certFile, '--key', good.keyFile, '--port', busyPort, '--host', '127.0.0.1'],
      new RegExp(`^--port ${busyPort}: address already in use`)],
    [['--cert', good.certFile, '--key', good.keyFile, '--port', '0', '--host', '192.0.2.1'],
      /^--host 192\.0\.2\.1: not an address of this machine$/],
    [['--cert', good.certFile, '--key', good.keyFile, '--port', '0', '--host', '127.0.0.1', '--http-port', busyPort],
      new RegExp(`^--http-port ${busyPort}: address already in use`)],
    [['--cert', good.certFile, '--key', good.keyFile, '--http-port', '0', '--acme-webroot', join(pki.dir, 'www')],
      /^--acme-webroot .*www: no such file or directory$/],
    [['--cert', good.certFile, '--key', good.keyFile, '--http-port', '0', '--acme-webroot', good.certFile],
      /^--acme-webroot .*good\.pem: not a directory$/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(t, ['serve', ...args]);
    assert.equal(result.code, 1, args.join(' '));
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]?.replace(/^modfallback: /, '') ?? '', message);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(result.stdout, '', `nothing on stdout, no "server error" log line: ${args.join(' ')}`);
  }
});

test('a privileged port without the privilege: exit 1 and what to do', async (t) => {
  const unprivilegedFrom = Number(await readFile('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').catch(() => '1024'));
  if (unprivilegedFrom <= 443) {
    t.skip(`ports from ${unprivilegedFrom} need no privilege on this machine`);
    return;
  }
  const asRoot = process.getuid?.() === 0;
  if (asRoot && spawnSync(process.execPath, ['-e', '0'], { uid: 65534, gid: 65534 }).status !== 0) {
    // .ci/run makes every Node it tests runnable by nobody: in CI this is a failure, not a skip.
    assert.notEqual(process.env.CI, 'true', `CI=true but ${process.execPath} cannot be run by nobody`);
    t.skip(`${process.execPath} cannot be run by the unprivileged user nobody`);
    return;
  }
  const pki = await makePki(t);
  const leaf = await pki.issue('leaf', ['dmitri.shuralyov.com']);
  // As root, drop to nobody, who may read the test files but not bind below 1024.
  await chmod(pki.dir, 0o755);
  const result = await runCli(t, ['--cert', leaf.certFile, '--key', leaf.keyFile, '--port', '443', '--host', '127.0.0.1'],
    asRoot ? { uid: 65534, gid: 65534 } : {});
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stderr,
    'modfallback: --port 443: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; see README)\n');
});

test('usage errors exit 2 from the real process too', async (t) => {
  const result = await runCli(t, ['serve', '--port', 'http']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^modfallback: option '--port <n>' argument 'http' is invalid/);
});

test('a certificate that does not cover the domain starts, with a warning', async (t) => {
  const pki = await makePki(t);
  const foreign = await pki.issue('foreign', ['example.com', '127.0.0.1']);
  const cli = startCli(t, ['--cert', foreign.certFile, '--key', foreign.keyFile, '--port', '0', '--host', '127.0.0.1']);
  const warning = await cli.waitForLog((l) => l.level === 'warn');
  assert.match(String(warning.msg), /does not cover dmitri\.shuralyov\.com/);
  await listeningPort(cli);
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
});

test('SIGTERM lets an open keep-alive connection finish and exits 0 promptly', async (t) => {
  const pki = await makePki(t);
  const leaf = await pki.issue('leaf', ['localhost']);
  const cli = startCli(t, ['--cert', leaf.certFile, '--key', leaf.keyFile, '--port', '0', '--host', '127.0.0.1']);
  const port = await listeningPort(cli);

  const agent = new Agent({ keepAlive: true, ca: pki.ca.cert });
  t.after(() => { agent.destroy(); });
  const get = () => new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', servername: 'localhost', port, path: '/x?go-get=1', agent }, (res) => {
      res.resume();
      res.on('end', () => { resolve(res.statusCode ?? 0); });
    }).on('error', reject).end();
  });
  assert.equal(await get(), 200);
  const started = Date.now();
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
  assert.ok(Date.now() - started < 4_000, 'did not wait for the keep-alive timeout');
  assert.ok(cli.logs.some((l) => l.msg === 'stopped' && l.forced === false));
});

test('a second signal while draining exits at once', async (t) => {
  const pki = await makePki(t);
  const leaf = await pki.issue('leaf', ['localhost']);
  const cli = startCli(t, ['--cert', leaf.certFile, '--key', leaf.keyFile, '--port', '0', '--host', '127.0.0.1']);
  const port = await listeningPort(cli);
  // A request whose headers never finish keeps the drain waiting.
  const slow = connect({ host: '127.0.0.1', port, ca: pki.ca.cert, servername: 'localhost' });
  t.after(() => slow.destroy());
  await once(slow, 'secureConnect');
  slow.write('GET /x?go-get=1 HTTP/1.1\r\nHost: localhost\r\n');
  await httpsRequest({ port, ca: pki.ca.cert, path: '/.ping' });

  cli.child.kill('SIGTERM');
  await cli.waitForLog((l) => l.msg === 'stopping: finishing in-flight requests');
  const started = Date.now();
  cli.child.kill('SIGINT');
  assert.equal(await cli.exited, 1);
  assert.ok(Date.now() - started < 2_000);
});

test('a stdout that cannot be written (a full disk, a log reader gone) neither stops nor freezes the server', { timeout: 60_000 }, async (t) => {
  const pki = await makePki(t);
  const leaf = await pki.issue('leaf', ['localhost']);
  // What stderr says, once: the line names the error, or says what a reader gone means.
  const cases: [name: string, told: RegExp, stdout: () => CliOptions | undefined][] = [
    ['a full disk', /^modfallback: cannot write the log to stdout.*ENOSPC/, () => {
      if (!existsSync('/dev/full')) {
        // CI runs on Linux, which has it: there a missing /dev/full is a failure, not a skip.
        assert.notEqual(process.env.CI, 'true', 'CI=true but there is no /dev/full to stand in for a full disk');
        return undefined;
      }
      const full = openSync('/dev/full', 'w');
      t.after(() => { closeSync(full); });
      return { stdout: full };
    }],
    ['a log reader gone', /^modfallback: stdout was closed by its reader: log lines are dropped from now on$/,
      () => ({ stdout: 'reader-gone' })],
  ];
  for (const [name, told, stdout] of cases) {
    await t.test(name, async (t) => {
      const options = stdout();
      if (options === undefined) {
        t.skip('no /dev/full on this system to stand in for a full disk');
        return;
      }
      const cli = startCli(t, ['--cert', leaf.certFile, '--key', leaf.keyFile, '--port', '0', '--host', '127.0.0.1'], options);
      const port = Number((await cli.waitForStderr(/on port (\d+)/))[1]);

      for (let i = 0; i < 20; i++) {
        const { status } = await httpsRequest({ port, path: '/x?go-get=1', ca: pki.ca.cert });
        assert.equal(status, 200, `request ${i} answered while no log line can be written`);
      }
      await cli.waitForStderr(new RegExp(told.source, 'm'));
      const lines = cli.stderr().split('\n').filter((line) => line.includes('stdout'));
      assert.equal(lines.length, 1, `said once, on stderr: ${cli.stderr()}`);
      assert.match(lines[0] ?? '', told);

      const started = Date.now();
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0);
      assert.ok(Date.now() - started < 4_000, 'stopped promptly; nothing waited on the log');
    });
  }
});
