import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ensureDevCertificates } from '../src/certs/files.js';
import { run } from '../src/cli/program.js';
import { tempDir } from './helpers/tls.js';

async function cli(args: string[]): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
  return { code, stdout, stderr };
}

function withEnv(t: TestContext, name: string, value: string): void {
  const before = process.env[name];
  process.env[name] = value;
  t.after(() => {
    if (before === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = before;
  });
}

test('bad values are usage errors: exit 2 and one line naming the input and the rule', async () => {
  const cases: [args: string[], message: RegExp][] = [
    [['--port', 'abc'], /'--port <n>' argument 'abc' is invalid\. It must be a whole number from 0 to 65535/],
    [['--port', '70000'], /--port.*70000.*0 to 65535/],
    [['--port', '-1'], /--port/],
    [['--port', '8443.5'], /--port/],
    [['--mirror', 'ftp://x'], /'--mirror <url>' argument 'ftp:\/\/x' is invalid\. It must be an https \(or http\) URL/],
    [['--mirror', 'not a url'], /absolute http or https URL/],
    [['--mirror', 'https://proxy.example/?x=1'], /must not have a query/],
    [['--mirror', 'https://proxy.example/#x'], /must not have a fragment/],
    [['--mirror', 'https://user:pw@proxy.example'], /user name or password/],
    [['--domain', 'Example.com'], /'--domain <name>' argument 'Example\.com' is invalid.*first path element/],
    [['--cache-max-age', 'soon'], /--cache-max-age.*whole number of seconds/],
    [['--log-level', 'loud'], /--log-level.*one of: fatal, error, warn, info, debug, trace, silent/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['serve', 'extra'], /too many arguments for 'serve'/],
    [['--cert', 'a.pem'], /--key is required with --cert/],
    [['--key', 'a.pem'], /--cert is required with --key/],
    [[], /--cert and --key are required \(or --acme, to get a certificate from Let.s Encrypt; or --dev/],
    [['--dev', '--cert', 'a.pem'], /--dev makes its own certificate/],
    [['certs', '--domain', '-x.com'], /--domain/],
    [['--prot', '1'], /^modfallback: unknown option '--prot' \(did you mean --port\?\)\n$/],
    [['--dev', '--acme-webroot', '/srv/www'], /--acme-webroot needs --http-port/],
    [['--dev', '--headers-timeout', '20', '--request-timeout', '10'], /--headers-timeout must not be longer than --request-timeout/],
    [['--headers-timeout', '0'], /--headers-timeout.*seconds from 0\.001 to 3600/],
    [['--drain-timeout', 'soon'], /--drain-timeout/],
    [['--max-connections', '0'], /--max-connections.*from 1 to/],
    [['--max-header-size', '10'], /--max-header-size.*from 1024/],
    [['--max-url-length', 'long'], /--max-url-length/],
    [['--http-port', '99999'], /--http-port/],
    [['--acme', '--cert', 'a.pem', '--key', 'b.pem'], /--acme gets its own certificate; drop --cert and --key/],
    [['--acme', '--key', 'b.pem'], /--acme gets its own certificate/],
    [['--acme', '--dev'], /--acme and --dev are two ways to get a certificate; use one/],
    [['--dev', '--acme-email', 'ops@example.com'], /--acme-email needs --acme/],
    [['--cert', 'a.pem', '--key', 'b.pem', '--acme-store', '/var/lib/x'], /--acme-store needs --acme/],
    [['--acme', '--acme-email', 'ops at example.com'], /--acme-email.*It must be an email address/],
    [['--acme', '--acme-directory', 'http://acme.example/directory'], /--acme-directory.*https only/],
    [['--acme', '--acme-directory', 'not a url'], /--acme-directory.*absolute https URL/],
    [['--acme', '--acme-directory', 'https://u:p@acme.example/directory'], /--acme-directory.*user name or password/],
    [['--acme', '--acme-store', ''], /--acme-store.*must name a directory/],
  ];
  for (const [args, message] of cases) {
    const result = await cli(args);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, message, args.join(' '));
    assert.match(result.stderr, /^modfallback: [^\n]+\n$/, `one line for ${args.join(' ')}`);
    assert.equal(result.stdout, '');
  }
});

test('a mistyped command is an unknown command, with the nearest one suggested', async () => {
  const cases: [args: string[], stderr: string][] = [
    [['serv'], "modfallback: unknown command 'serv' (did you mean serve?)\n"],
    [['serv', '--dev'], "modfallback: unknown command 'serv' (did you mean serve?)\n"],
    [['chek', 'dmitri.shuralyov.com/x'], "modfallback: unknown command 'chek' (did you mean check?)\n"],
    [['frobnicate'], "modfallback: unknown command 'frobnicate' (see modfallback --help)\n"],
  ];
  for (const [args, stderr] of cases) {
    const result = await cli(args);
    assert.equal(result.code, 2, args.join(' '));
    assert.equal(result.stderr, stderr);
    assert.equal(result.stdout, '');
  }
  // serve is still the default: options alone, or nothing, go to it.
  assert.match((await cli(['--port', '0'])).stderr, /--cert and --key are required/);
  assert.match((await cli([])).stderr, /--cert and --key are required/);
  assert.match((await cli(['--help'])).stdout, /^Commands:\n {2}serve /m, '--help alone is the program\'s');
});

test('--domain errors are one plain sentence naming the rule', async () => {
  const rule = (text: string): string =>
    `It must be a host name that can start a module path, like example.com (the rule it breaks: ${text}).`;
  const cases: [domain: string, sentence: string][] = [
    ['example.com/x', rule('no slash in a host name')],
    ['localhost', rule('missing dot in first path element')],
    ['', rule('empty string')],
    ['-x.com', rule('leading dash')],
  ];
  for (const [domain, sentence] of cases) {
    const result = await cli(['--domain', domain]);
    assert.equal(result.code, 2, domain);
    assert.equal(result.stderr,
      `modfallback: option '--domain <name>' argument '${domain}' is invalid. ${sentence} (see modfallback --help)\n`);
  }
});

test('boolean variables read on and off the way people write them; anything else names the variable', async (t) => {
  withEnv(t, 'MODFALLBACK_DEV', '');
  const on = ['1', 'true', 'yes', 'on', 'TRUE', 'On', ' yes '];
  const off = ['', '0', 'false', 'no', 'off', 'FALSE', 'Off'];
  for (const value of on) {
    process.env.MODFALLBACK_DEV = value;
    const result = await cli(['--cert', 'a.pem']);
    assert.equal(result.code, 2, `MODFALLBACK_DEV=${value}`);
    assert.match(result.stderr, /--dev makes its own certificate/, `MODFALLBACK_DEV=${value} is on`);
  }
  for (const value of off) {
    process.env.MODFALLBACK_DEV = value;
    const result = await cli(['--cert', 'a.pem']);
    assert.equal(result.code, 2, `MODFALLBACK_DEV=${value}`);
    assert.match(result.stderr, /--key is required with --cert/, `MODFALLBACK_DEV=${value} is off`);
    const flagWins = await cli(['--dev', '--cert', 'a.pem']);
    assert.match(flagWins.stderr, /--dev makes its own certificate/, `--dev wins over MODFALLBACK_DEV=${value}`);
  }
  for (const value of ['maybe', '2', 'enabled']) {
    process.env.MODFALLBACK_DEV = value;
    const result = await cli(['--cert', 'a.pem', '--key', 'b.pem']);
    assert.equal(result.code, 2, `MODFALLBACK_DEV=${value}`);
    assert.equal(result.stderr, `modfallback: option '--dev' value '${value}' from env 'MODFALLBACK_DEV' is invalid. ` +
      'It must be 1, true, yes or on, or 0, false, no, off or empty (any case). (see modfallback --help)\n');
  }
});

test('options come from the environment too, flags winning', async (t) => {
  withEnv(t, 'MODFALLBACK_MIRROR', 'gopher://x');
  const fromEnv = await cli([]);
  assert.equal(fromEnv.code, 2);
  assert.match(fromEnv.stderr, /'gopher:\/\/x' from env 'MODFALLBACK_MIRROR' is invalid/);

  withEnv(t, 'MODFALLBACK_PORT', 'nope');
  const flagWins = await cli(['--port', '8443', '--mirror', 'https://proxy.golang.org']);
  assert.equal(flagWins.code, 2);
  assert.match(flagWins.stderr, /--cert and --key are required/, 'got past both bad environment values');
});

test('--acme from the environment is refused beside --cert and --key from the environment', async (t) => {
  withEnv(t, 'MODFALLBACK_ACME', '1');
  withEnv(t, 'MODFALLBACK_CERT', 'a.pem');
  withEnv(t, 'MODFALLBACK_KEY', 'b.pem');
  const result = await cli([]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^modfallback: --acme gets its own certificate/);
});

test('--help and --version exit 0 on stdout', async () => {
  const help = await cli(['serve', '--help']);
  assert.equal(help.code, 0);
  for (const option of ['--port', '--host', '--cert', '--key', '--dev', '--mirror', '--domain', '--cache-max-age', '--log-level']) {
    assert.ok(help.stdout.includes(option), option);
  }
  assert.match(help.stdout, /env:\s+MODFALLBACK_PORT/);
  const version = await cli(['--version']);
  assert.equal(version.code, 0);
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(version.stdout.trim(), pkg.version);
});

test('certs --name takes DNS names, wildcards and IP addresses, and refuses anything else', async (t) => {
  const dir = join(await tempDir(t, 'modfallback-names-'), 'out');
  for (const name of ['bad name!', 'a..b', '-x.com', 'x-.com', 'x_y.com', '*', '*.', 'a.*.com', '**.x.com', 'ünï.com', '', 'a'.repeat(64)]) {
    const result = await cli(['certs', '--out', dir, '--name', 'ok.example', '--name', name]);
    assert.equal(result.code, 2, name);
    assert.equal(result.stderr, `modfallback: option '--name <host...>' argument '${name}' is invalid. ` +
      'It must be a DNS name (letters, digits, hyphens and dots; *.example.com for a wildcard) or an IP address. ' +
      '(see modfallback --help)\n');
    assert.equal(existsSync(dir), false, `nothing written for ${JSON.stringify(name)}`);
  }
});

test('certs makes a CA and a server certificate, says how to use them, and never overwrites unasked', async (t) => {
  const dir = join(await tempDir(t, 'modfallback-certs-'), 'out');
  const made = await cli(['certs', '--out', dir, '--name', 'fallback.internal', '--name', '10.1.2.3', '--name', '*.fallback.example', '--name', '2001:db8::1']);
  assert.equal(made.code, undefined);
  assert.match(made.stdout, /^ {2}127\.0\.0\.1 dmitri\.shuralyov\.com$/m);
  // The steps it prints work in order: go get needs a module to add the requirement to.
  assert.match(made.stdout, new RegExp(`^  go mod init example\\.com/try\n  SSL_CERT_FILE=${join(dir, 'ca.pem')} GOPROXY=direct GOSUMDB=off go get dmitri\\.shuralyov\\.com/gpu/mtl@latest$`, 'm'));
  assert.match(made.stdout, new RegExp(`^  modfallback serve --cert ${join(dir, 'cert.pem')} --key ${join(dir, 'key.pem')}$`, 'm'));

  const ca = new X509Certificate(await readFile(join(dir, 'ca.pem')));
  const leaf = new X509Certificate(await readFile(join(dir, 'cert.pem')));
  assert.ok(ca.ca);
  assert.ok(!leaf.ca);
  assert.ok(leaf.verify(ca.publicKey), 'signed by the CA');
  for (const host of ['dmitri.shuralyov.com', 'localhost', 'fallback.internal', 'a.fallback.example']) assert.ok(leaf.checkHost(host), host);
  for (const ip of ['127.0.0.1', '::1', '10.1.2.3', '2001:db8::1']) assert.ok(leaf.checkIP(ip), ip);
  assert.equal((await stat(join(dir, 'key.pem'))).mode & 0o077, 0, 'the key is private');
  assert.equal((await stat(join(dir, 'ca-key.pem'))).mode & 0o077, 0, 'the CA key is private');

  const again = await cli(['certs', '--out', dir]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^modfallback: .*ca\.pem.* already exist\(s\); pass --force to replace them\n$/);
  assert.equal(await readFile(join(dir, 'ca.pem'), 'utf8'), ca.toString(), 'untouched');

  const forced = await cli(['certs', '--out', dir, '--force']);
  assert.equal(forced.code, undefined);
  assert.notEqual(await readFile(join(dir, 'ca.pem'), 'utf8'), ca.toString());
});

test('development certificates are reused, and reissued from the same CA for another domain', async (t) => {
  const dir = await tempDir(t, 'modfallback-dev-');
  const first = await ensureDevCertificates(dir, 'dmitri.shuralyov.com');
  assert.deepEqual(first.made, ['authority', 'server certificate']);
  const ca = await readFile(first.paths.ca, 'utf8');
  const cert = await readFile(first.paths.cert, 'utf8');

  const second = await ensureDevCertificates(dir, 'dmitri.shuralyov.com');
  assert.deepEqual(second.made, []);
  assert.equal(await readFile(second.paths.cert, 'utf8'), cert);

  const other = await ensureDevCertificates(dir, 'example.org');
  assert.deepEqual(other.made, ['server certificate']);
  assert.equal(await readFile(other.paths.ca, 'utf8'), ca, 'the CA a user may trust is kept');
  assert.ok(new X509Certificate(await readFile(other.paths.cert)).checkHost('example.org'));
});
