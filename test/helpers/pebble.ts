// Let's Encrypt's test CA, Pebble (Debian's package), and its DNS server,
// pebble-challtestsrv, which answers every name with 127.0.0.1: Pebble's
// validation of any name connects to the loopback ports its config names.
// Started by the test on free loopback ports, with a certificate for Pebble's
// own listener made by the project's src/certs/issue.ts; stopped at the end.
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { get } from 'node:https';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { freeDnsPort, freePort } from './free-port.js';
import { makePki, tempDir } from './tls.js';

export interface PebbleOptions {
  /** Where Pebble connects for http-01 validation. */
  readonly httpPort: number;
  /** Where Pebble connects for tls-alpn-01 validation. */
  readonly tlsPort: number;
  /** Lifetime of the certificates it issues. */
  readonly validitySeconds: number;
}

/** A Pebble's address and listener certificate, known before it starts (a client may start first). */
export interface PebbleSite {
  readonly directoryUrl: string;
  /** Trusts Pebble's own https listener: a client's NODE_EXTRA_CA_CERTS. */
  readonly listenerCaFile: string;
  readonly listenerCaPem: string;
  /** Starts Pebble here; it is stopped when the test ends, or by stop(). */
  start(options: PebbleOptions): Promise<Pebble>;
}

export interface Pebble {
  /** The root Pebble issues under, PEM, from its management port (new at each start). */
  root(): Promise<string>;
  /** Orders placed so far. */
  orders(): number;
  /** Accounts registered so far. */
  accounts(): number;
  output(): string;
  /** Stops Pebble (its DNS server stays), as a CA that goes down. */
  stop(): Promise<void>;
}

export const PEBBLE = '/usr/bin/pebble';
export const CHALLTESTSRV = '/usr/bin/pebble-challtestsrv';

/** false when Pebble is installed; else why a test is skipped. In CI, which installs it, a missing Pebble is an error. */
export function skipWithoutPebble(): false | string {
  if (existsSync(PEBBLE) && existsSync(CHALLTESTSRV)) return false;
  if (process.env.CI === 'true') throw new Error('CI=true but Pebble is not installed (.ci/run installs the pebble package)');
  return 'Pebble is not installed: apt-get install pebble';
}

export async function preparePebble(t: TestContext): Promise<PebbleSite> {
  const pki = await makePki(t);
  const listener = await pki.issue('pebble', ['localhost', '127.0.0.1']);
  const dir = await tempDir(t, 'modfallback-pebble-');
  const acmePort = await freePort();
  let dnsPort: number | undefined;

  return {
    directoryUrl: `https://127.0.0.1:${acmePort}/dir`,
    listenerCaFile: pki.caFile,
    listenerCaPem: pki.ca.cert,
    async start(options) {
      // A port found free can be taken by another test before Pebble binds it: Pebble then exits, and starts again on another.
      for (let attempt = 1; ; attempt++) {
        try {
          return await startPebble(options);
        } catch (error) {
          if (!(error instanceof PebbleExited) || attempt === 3) throw error;
        }
      }
    },
  };

  async function startPebble(options: PebbleOptions): Promise<Pebble> {
    const managementPort = await freePort();
    const configFile = join(dir, `pebble-config-${managementPort}.json`);
    await writeFile(configFile, JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${managementPort}`,
        certificate: listener.certFile,
        privateKey: listener.keyFile,
        httpPort: options.httpPort,
        tlsPort: options.tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        certificateValidityPeriod: options.validitySeconds,
      },
    }));
    if (dnsPort === undefined) {
      dnsPort = await freeDnsPort();
      // No AAAA answers: the servers under test listen on 127.0.0.1 only.
      await run(t, CHALLTESTSRV, [
        '-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '',
        '-management', `127.0.0.1:${await freePort()}`, '-defaultIPv6', '',
      ], {}, /Starting management server/);
    }
    const pebble = await run(t, PEBBLE, ['-config', configFile, '-dnsserver', `127.0.0.1:${dnsPort}`, '-strict=false'], {
      // Validate at once, never refuse a good nonce, and validate every order anew.
      PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0',
    }, /ACME directory available at/);
    // Pebble says it listens a moment before its listeners take connections.
    const root = await fetchWhenUp(`https://127.0.0.1:${managementPort}/roots/0`, pki.ca.cert, pebble);
    await fetchWhenUp(`https://127.0.0.1:${acmePort}/dir`, pki.ca.cert, pebble);
    return {
      root: () => Promise.resolve(root),
      orders: () => pebble.output().match(/Added order /g)?.length ?? 0,
      accounts: () => Math.max(0, ...[...pebble.output().matchAll(/There are now (\d+) accounts/g)].map((m) => Number(m[1]))),
      output: () => pebble.output(),
      stop: async () => {
        if (exited(pebble.child)) return;
        pebble.child.kill('SIGTERM');
        await once(pebble.child, 'close');
      },
    };
  }
}

class PebbleExited extends Error {}

/** Whether the program has ended, by itself or by a signal. */
function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

interface Running {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly output: () => string;
}

/** Starts a program and resolves once its output shows it is ready; it is stopped when the test ends. */
async function run(
  t: TestContext, file: string, args: readonly string[], env: Record<string, string>, ready: RegExp,
): Promise<Running> {
  const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(async () => {
    if (exited(child)) return;
    child.kill('SIGTERM');
    await once(child, 'close');
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${file} not ready in 10 s:\n${output}`)); }, 10_000);
    const take = (text: string): void => {
      output += text;
      if (ready.test(output)) { clearTimeout(timer); resolve(); }
    };
    child.stdout.setEncoding('utf8').on('data', take);
    child.stderr.setEncoding('utf8').on('data', take);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code) => { clearTimeout(timer); reject(new Error(`${file} exited with ${code}:\n${output}`)); });
  });
  return { child, output: () => output };
}

/** The body at url once it answers 200, asking again while the connection is refused, for up to 10 s. */
async function fetchWhenUp(url: string, ca: string, server: Running): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await fetchText(url, ca);
    } catch (error) {
      const refused = error instanceof Error && 'code' in error && error.code === 'ECONNREFUSED';
      if (refused && exited(server.child)) throw new PebbleExited(`${url}: the server exited:\n${server.output()}`);
      if (!refused || Date.now() > deadline) throw error;
      await delay(20);
    }
  }
}

function fetchText(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => { body += s; });
      res.on('end', () => { if (res.statusCode === 200) resolve(body); else reject(new Error(`${url}: ${res.statusCode}`)); });
    }).on('error', reject);
  });
}
