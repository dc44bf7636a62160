// A hermetic world for the real go command: a test CA, modfallback (or a
// deliberately wrong vanity server) as dmitri.shuralyov.com, a module mirror as
// proxy.golang.org, a proxy that answers 404 to everything, and a CONNECT proxy
// that routes those names to loopback and refuses every other destination.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type ServerOptions } from 'node:https';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startConnectProxy, type ConnectProxy } from './connect-proxy.js';
import { startModuleMirror, type FixtureModule, type ModuleMirror } from './module-mirror.js';
import { startCli } from './process.js';
import { makePki, tempDir, type TestPki } from './tls.js';
import { listenOnLoopback } from './listen.js';

export const DOMAIN = 'dmitri.shuralyov.com';
export const MIRROR_HOST = 'proxy.golang.org';
export const NOT_FOUND_PROXY_HOST = 'notfound.proxy.example';
/** A GOPROXY the go command must never reach; the CONNECT proxy refuses it. */
export const FORBIDDEN_PROXY_HOST = 'forbidden.proxy.example';

/** The vanity server's certificate for the domain: PEM, and the files it is written to. */
export type IssuedCertificate = Awaited<ReturnType<TestPki['issue']>>;

export interface GoResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Workspace {
  /** A main module, example.com/app, to run go get and go build in. */
  readonly dir: string;
  /** Runs the go command here, with a module cache of this workspace's own. */
  go(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<GoResult>;
}

/** A vanity server: its port, and a way to wait until it has seen a request. */
export interface VanityServer {
  readonly port: number;
  sawRequest(pathAndQuery: string): Promise<boolean>;
}

export interface GoWorld {
  readonly mirror: ModuleMirror;
  readonly notFoundProxy: { readonly requests: string[] };
  readonly proxy: ConnectProxy;
  readonly vanity: VanityServer;
  workspace(): Promise<Workspace>;
}

export interface GoWorldOptions {
  readonly modules: readonly FixtureModule[];
  /** The mirror serves only under this path, as proxy.golang.org/cached-only would. */
  readonly mirrorBasePath?: string;
  /** The --mirror modfallback is started with. */
  readonly fallbackMirror?: string;
  /** Replaces modfallback with another vanity server (the Worker, the negative controls, or one with its own certificate). */
  readonly vanity?: (t: TestContext, tls: IssuedCertificate) => Promise<VanityServer>;
  /** The mirror's certificate, when it is not to come from the world's own test CA. */
  readonly mirrorTls?: { readonly cert: string; readonly key: string };
  /** The only root the go command trusts (SSL_CERT_FILE); the world's own test CA unless given. */
  readonly rootCaFile?: string;
}

/** The go command's version, or null when there is none on PATH. */
export function goVersion(): string | null {
  const result = spawnSync('go', ['version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

/**
 * Skips the test when there is no go command (one visible line), except in CI,
 * where that is a failure. Returns whether the test may go on.
 */
export function needGo(t: TestContext): boolean {
  const go = goVersion();
  if (go === null) {
    assert.notEqual(process.env.CI, 'true', 'CI=true but there is no go command on PATH (.ci/run installs golang-go)');
    t.skip('no go command on PATH: install golang-go to run the end-to-end tests');
    return false;
  }
  t.diagnostic(go);
  return true;
}

export async function startGoWorld(t: TestContext, options: GoWorldOptions): Promise<GoWorld> {
  const pki = await makePki(t);
  const vanityTls = await pki.issue('vanity', [DOMAIN]);
  const mirrorTls = await pki.issue('mirror', [MIRROR_HOST]);
  const notFoundTls = await pki.issue('notfound', [NOT_FOUND_PROXY_HOST]);

  const mirror = await startModuleMirror(t, options.mirrorTls ?? mirrorTls, options.modules, options.mirrorBasePath);
  const notFoundProxy = await startRecordingServer(t, notFoundTls);
  const vanity = options.vanity !== undefined
    ? await options.vanity(t, vanityTls)
    : await startModfallback(t, vanityTls, options.fallbackMirror ?? `https://${MIRROR_HOST}`);
  const proxy = await startConnectProxy(t, new Map([
    [`${DOMAIN}:443`, vanity.port],
    [`${MIRROR_HOST}:443`, mirror.port],
    [`${NOT_FOUND_PROXY_HOST}:443`, notFoundProxy.port],
  ]));

  const root = await tempDir(t, 'modfallback-go-');
  const certDir = join(root, 'no-system-roots');
  await mkdir(certDir);
  const buildCache = join(root, 'gocache');
  let workspaces = 0;

  return {
    mirror,
    notFoundProxy,
    proxy,
    vanity,
    async workspace() {
      const dir = join(root, `ws${++workspaces}`);
      await mkdir(join(dir, 'app'), { recursive: true });
      await writeFile(join(dir, 'app', 'go.mod'), 'module example.com/app\n\ngo 1.16\n');
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        GOPATH: join(dir, 'gopath'),
        GOCACHE: buildCache,
        GOENV: 'off',
        GOFLAGS: '-modcacherw',
        GOTOOLCHAIN: 'local',
        GO111MODULE: 'on',
        CGO_ENABLED: '0',
        GOPROXY: 'direct',
        GOSUMDB: 'off',
        GONOPROXY: '',
        GONOSUMDB: '',
        GOPRIVATE: '',
        GOINSECURE: '',
        GIT_TERMINAL_PROMPT: '0',
        HTTPS_PROXY: proxy.url,
        HTTP_PROXY: proxy.url,
        NO_PROXY: '',
        // Only the test CA is trusted: SSL_CERT_DIR names an empty directory.
        SSL_CERT_FILE: options.rootCaFile ?? pki.caFile,
        SSL_CERT_DIR: certDir,
      };
      return {
        dir: join(dir, 'app'),
        go: (args, extra = {}) => runGo(args, join(dir, 'app'), { ...env, ...extra }),
      };
    },
  };
}

async function startModfallback(t: TestContext, tls: { certFile: string; keyFile: string }, mirror: string): Promise<VanityServer> {
  const cli = startCli(t, [
    'serve', '--cert', tls.certFile, '--key', tls.keyFile, '--port', '0', '--host', '127.0.0.1', '--mirror', mirror,
  ]);
  const listening = await cli.waitForLog((line) => line.msg === 'listening');
  t.after(async () => {
    cli.child.kill('SIGTERM');
    await cli.exited;
  });
  return {
    port: Number(listening.port),
    sawRequest: async (pathAndQuery) => {
      return cli.waitForLog((l) => l.msg === 'request' && l.url === pathAndQuery, 5_000)
        .then(() => true, () => false);
    },
  };
}

/** An HTTPS server that answers 404 to everything and records what it was asked. */
async function startRecordingServer(t: TestContext, tls: ServerOptions): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer(tls, (req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  return { port: await listenOnLoopback(t, server), requests };
}

const GO_TIMEOUT_MS = 60_000;

function runGo(args: readonly string[], cwd: string, env: Readonly<Record<string, string>>): Promise<GoResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, GO_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
