import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli, startCli } from './helpers/process.js';
import { makePki, tempDir } from './helpers/tls.js';

const LOOPBACK = ['--port', '0', '--host', '127.0.0.1'];

// Each test has its own directory and process: they run side by side.
describe('serve --dev', { concurrency: true }, () => {
  test('serve --dev says on stderr what it made and where, in --certs-dir or MODFALLBACK_CERTS_DIR', async (t) => {
    const cwd = await tempDir(t, 'modfallback-dev-');
    const dir = join(cwd, 'dev-certs');
    const first = startCli(t, ['--dev', '--certs-dir', dir, ...LOOPBACK], { cwd });
    const made = await first.waitForStderr(/^modfallback: --dev made .*$/m);
    assert.equal(made[0], `modfallback: --dev made a local CA and a server certificate in ${dir}: ` +
      'ca.pem, ca-key.pem (the CA\'s private key), cert.pem, key.pem');
    await first.waitForLog((l) => l.msg === 'listening');
    for (const file of ['ca.pem', 'ca-key.pem', 'cert.pem', 'key.pem']) assert.ok(existsSync(join(dir, file)), file);
    assert.equal(existsSync(join(cwd, 'certs')), false, 'nothing in ./certs');
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);

    const again = startCli(t, ['--dev', ...LOOPBACK], { cwd, env: { MODFALLBACK_CERTS_DIR: dir } });
    await again.waitForLog((l) => l.msg === 'listening');
    assert.match(again.stderr(), new RegExp(`^modfallback: --dev is using the certificates already in ${dir}$`, 'm'));
    assert.doesNotMatch(again.stderr(), /--dev made/);
    again.child.kill('SIGTERM');
    assert.equal(await again.exited, 0);

    const otherDomain = startCli(t, ['--dev', '--certs-dir', dir, '--domain', 'example.org', ...LOOPBACK], { cwd });
    await otherDomain.waitForLog((l) => l.msg === 'listening');
    assert.match(otherDomain.stderr(), new RegExp(`^modfallback: --dev made a new server certificate in ${dir} ` +
      '\\(cert\\.pem, key\\.pem\\), signed by the CA already there \\(ca\\.pem\\)$', 'm'));
    otherDomain.child.kill('SIGTERM');
    assert.equal(await otherDomain.exited, 0);
  });

  test('serve --dev from a directory it cannot write: one line that names the file and the way out', async (t) => {
    const asRoot = process.getuid?.() === 0;
    if (asRoot && spawnSync(process.execPath, ['-e', '0'], { uid: 65534, gid: 65534 }).status !== 0) {
      assert.notEqual(process.env.CI, 'true', `CI=true but ${process.execPath} cannot be run by nobody`);
      t.skip(`${process.execPath} cannot be run by the unprivileged user nobody`);
      return;
    }
    // Root may write anywhere: as root, the server runs as nobody in a directory root owns.
    const cwd = join(await tempDir(t, 'modfallback-readonly-'), 'service');
    await mkdir(cwd);
    await chmod(join(cwd, '..'), 0o755);
    await chmod(cwd, asRoot ? 0o755 : 0o555);
    const result = await runCli(t, ['--dev', ...LOOPBACK], { cwd, ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, `modfallback: cannot write ${join(cwd, 'certs', 'ca.pem')}: permission denied; ` +
      'choose a writable directory with --certs-dir or MODFALLBACK_CERTS_DIR\n');
    assert.equal(result.stdout, '');
  });

  test('MODFALLBACK_DEV=false with --cert and --key starts, as a systemd unit may say', async (t) => {
    const pki = await makePki(t);
    const leaf = await pki.issue('leaf', ['dmitri.shuralyov.com']);
    for (const value of ['false', '0', '']) {
      const cli = startCli(t, ['--cert', leaf.certFile, '--key', leaf.keyFile, ...LOOPBACK], { env: { MODFALLBACK_DEV: value } });
      await cli.waitForLog((l) => l.msg === 'listening');
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0, `MODFALLBACK_DEV=${value}`);
    }
  });

  test('serve --dev with a damaged CA: one line naming its files and the way out, exit 1', async (t) => {
    const dir = await tempDir(t, 'modfallback-dev-damaged-');
    await writeFile(join(dir, 'ca.pem'), 'not a certificate\n');
    await writeFile(join(dir, 'ca-key.pem'), 'not a key\n');
    const result = await runCli(t, ['--dev', '--certs-dir', dir, ...LOOPBACK]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `modfallback: ${join(dir, 'ca.pem')}, ${join(dir, 'ca-key.pem')}: not a PEM certificate and its ` +
      'private key; move them away to make a new development CA, or run modfallback certs --force\n');
    assert.equal(result.stdout, '');
  });
});
