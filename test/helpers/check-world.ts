// A world for the check command: a primary (go-import pages, its own module
// proxy, a git repository for one module), and a mirror that behaves like
// proxy.golang.org: it fetches a version from the primary when asked for it,
// except under /cached-only, and can fail with 503 for a while.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, request, type ServerOptions } from 'node:https';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { escapeModulePath } from './module-mirror.js';
import { makePki, tempDir, type TestPki } from './tls.js';
import { listenOnLoopback } from './listen.js';

export const DOMAIN = 'dmitri.shuralyov.com';

export interface CheckWorld {
  readonly pki: TestPki;
  readonly primary: string;
  readonly mirror: string;
  /** Module path -> versions the mirror holds; tests may change it. */
  readonly cached: Map<string, Set<string>>;
  /** Requests the mirror received, path only. */
  readonly mirrorRequests: string[];
  /** Answer 503 to the next n requests. */
  failNext(n: number): void;
  /** The local git repository behind dmitri.shuralyov.com/gitmod. */
  readonly repo: string;
}

/** What the primary's own proxy offers. */
export const PRIMARY_VERSIONS: ReadonlyMap<string, readonly string[]> = new Map([
  [`${DOMAIN}/gpu/mtl`, ['v0.1.0', 'v0.2.0', 'v0.3.0']],
  [`${DOMAIN}/state/v2`, ['v2.0.0', 'v2.1.0']],
  [`${DOMAIN}/Go/Upper`, ['v1.0.0']],
]);

export async function startCheckWorld(t: TestContext, pages: Readonly<Record<string, string>> = {}): Promise<CheckWorld> {
  const pki = await makePki(t);
  const tls = await pki.issue('local', ['localhost', '127.0.0.1']);
  const repo = await makeRepo(t);

  const primary = await serve(t, tls, (path, query, res) => {
    if (query === 'go-get=1') {
      const module = path === '/' ? DOMAIN : DOMAIN + path;
      const page = pages[path] ?? defaultPage(module, primaryUrl, repo);
      if (page === null) res(404, 'not found\n');
      else res(200, page);
      return;
    }
    const proxied = /^\/proxy\/(.+)\/@v\/(list|(.+)\.(info|mod|zip))$/.exec(path);
    const module = proxied?.[1] === undefined ? undefined : unescape(proxied[1]);
    const versions = module === undefined ? undefined : PRIMARY_VERSIONS.get(module);
    if (proxied === null || versions === undefined) res(404, 'not found\n');
    else if (proxied[2] === 'list') res(200, versions.map((v) => `${v}\n`).join(''));
    else if (versions.includes(proxied[3] ?? '')) res(200, `{"Version":"${proxied[3] ?? ''}"}`);
    else res(404, 'not found\n');
  });
  const primaryUrl = `https://localhost:${primary}`;

  const cached = new Map<string, Set<string>>([
    [`${DOMAIN}/gpu/mtl`, new Set(['v0.1.0', 'v0.2.0'])],
    [`${DOMAIN}/state/v2`, new Set(['v2.0.0', 'v2.1.0'])],
    [`${DOMAIN}/Go/Upper`, new Set(['v1.0.0'])],
    [`${DOMAIN}/gitmod`, new Set(['v1.0.0'])],
    [`${DOMAIN}/gitmod/sub`, new Set(['v0.1.0'])],
  ]);
  const mirrorRequests: string[] = [];
  const originHas = (module: string, version: string): Promise<boolean> => module.startsWith(`${DOMAIN}/gitmod`)
    ? Promise.resolve(gitTags(repo).includes(module.endsWith('/sub') ? `sub/${version}` : version))
    : fetchFromPrimary(primaryUrl, pki.ca.cert, module, version);
  let failures = 0;
  const mirror = await serve(t, tls, async (path, _query, res) => {
    mirrorRequests.push(path);
    if (failures > 0) {
      failures--;
      return res(503, 'try again\n');
    }
    const cachedOnly = path.startsWith('/cached-only/');
    const m = /^(?:\/cached-only)?\/(.+)\/@v\/(list|(.+)\.(info|mod|zip))$/.exec(path);
    if (m?.[1] === undefined) return res(404, 'not found\n');
    const module = unescape(m[1]);
    const have = cached.get(module) ?? new Set<string>();
    if (m[2] === 'list') return have.size === 0 ? res(404, 'not found\n') : res(200, [...have].map((v) => `${v}\n`).join(''));
    const version = m[3] ?? '';
    if (!have.has(version) && !cachedOnly && await originHas(module, version)) {
      cached.set(module, have.add(version));
    }
    return have.has(version) ? res(200, `{"Version":"${version}"}`) : res(404, `not found: ${module}@${version}\n`);
  });

  return {
    pki, primary: primaryUrl, mirror: `https://localhost:${mirror}`, cached, mirrorRequests, repo,
    failNext: (n) => { failures = n; },
  };
}

function defaultPage(module: string, primaryUrl: string, repo: string): string | null {
  if (PRIMARY_VERSIONS.has(module)) return page(`${module} mod ${primaryUrl}/proxy`);
  if (module === `${DOMAIN}/gitmod` || module === `${DOMAIN}/gitmod/sub`) return page(`${DOMAIN}/gitmod git ${repo}`);
  return null;
}

export function page(...contents: string[]): string {
  const metas = contents.map((c) => `<meta name="go-import" content="${c}">`).join('\n');
  return `<!DOCTYPE html>\n<html><head>\n${metas}\n</head><body>primary</body></html>\n`;
}

/** Like proxy.golang.org: a version the mirror lacks is fetched from the origin, if the origin has it. */
function fetchFromPrimary(primaryUrl: string, ca: string, module: string, version: string): Promise<boolean> {
  return new Promise((resolve) => {
    // Only modules served through the primary's proxy can be fetched this way in the test.
    const url = `${primaryUrl}/proxy/${escapeModulePath(module)}/@v/${version}.info`;
    request(url, { ca }, (res) => { res.resume(); resolve(res.statusCode === 200); })
      .on('error', () => { resolve(false); }).end();
  });
}

type Reply = (status: number, body: string) => unknown;

async function serve(
  t: TestContext, tls: ServerOptions, handle: (path: string, query: string, reply: Reply) => unknown,
): Promise<number> {
  const server = createServer(tls, (req, res) => {
    const [rawPath = '', query = ''] = (req.url ?? '').split('?');
    const reply: Reply = (status, body) => {
      res.writeHead(status, { 'content-type': body.startsWith('<!DOCTYPE') ? 'text/html' : 'text/plain' }).end(body);
    };
    void Promise.resolve(handle(decodeURIComponent(rawPath), query, reply));
  });
  return listenOnLoopback(t, server);
}

function unescape(escaped: string): string {
  return escaped.replace(/!([a-z])/g, (_, c: string) => c.toUpperCase());
}

function gitTags(repo: string): string[] {
  return execFileSync('git', ['tag'], { cwd: repo, encoding: 'utf8' }).split('\n');
}

/** A git repository with a root module's tags, a nested module's tags, and tags that are no versions. */
async function makeRepo(t: TestContext): Promise<string> {
  const repo = join(await tempDir(t, 'modfallback-git-'), 'repo');
  const git = (...args: string[]): void => {
    execFileSync('git', args, {
      cwd: repo,
      stdio: 'ignore',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
    });
  };
  execFileSync('git', ['init', '-q', repo]);
  await writeFile(join(repo, 'go.mod'), `module ${DOMAIN}/gitmod\n`);
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  for (const tag of ['v1.0.0', 'v1.1.0', 'v2.0.0', 'release-1', 'v1.2.0+meta', 'sub/v0.1.0', 'sub/v0.2.0']) git('tag', tag);
  return repo;
}
