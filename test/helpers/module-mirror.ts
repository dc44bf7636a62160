// A module mirror playing proxy.golang.org: synthetic modules served as static
// files in the module proxy layout, 404 for everything else, every request recorded.
import { createServer } from 'node:https';
import type { TestContext } from 'node:test';
import yazl from 'yazl';
import { listenOnLoopback } from './listen.js';

export interface FixtureVersion {
  readonly version: string;
  readonly time: string;
  /** Listed in @v/list (tagged releases); pseudo-versions are not. */
  readonly listed: boolean;
  /** Files of the module at this version, besides go.mod. */
  readonly files: Readonly<Record<string, string>>;
}

export interface FixtureModule {
  readonly path: string;
  readonly versions: readonly FixtureVersion[];
}

export interface ModuleMirror {
  readonly port: number;
  /** Request paths in the order they arrived, query included. */
  readonly requests: string[];
}

/** Go's module.EscapePath: each upper-case letter becomes "!" and its lower case. */
export function escapeModulePath(path: string): string {
  return path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

export async function startModuleMirror(
  t: TestContext,
  tls: { cert: string; key: string },
  modules: readonly FixtureModule[],
  basePath = '',
): Promise<ModuleMirror> {
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const module of modules) {
    const root = `${basePath}/${escapeModulePath(module.path)}`;
    const goMod = `module ${module.path}\n\ngo 1.16\n`;
    const listed = module.versions.filter((v) => v.listed);
    files.set(`${root}/@v/list`, text(listed.map((v) => `${v.version}\n`).join('')));
    const latest = listed.at(-1) ?? module.versions.at(-1);
    if (latest !== undefined) files.set(`${root}/@latest`, json(latest));
    for (const v of module.versions) {
      files.set(`${root}/@v/${v.version}.info`, json(v));
      files.set(`${root}/@v/${v.version}.mod`, text(goMod));
      files.set(`${root}/@v/${v.version}.zip`, {
        type: 'application/zip',
        body: await zip(`${module.path}@${v.version}`, { 'go.mod': goMod, ...v.files }),
      });
    }
  }

  const requests: string[] = [];
  const server = createServer(tls, (req, res) => {
    // The go command sends "!" as %21; a real server decodes the path first.
    const url = safeDecode(req.url ?? '');
    requests.push(url);
    const file = req.method === 'GET' ? files.get(url) : undefined;
    if (file === undefined) {
      // proxy.golang.org explains its 404s in plain text; the go command shows it.
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`not found: no module at ${url} in the test mirror\n`);
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length });
    res.end(file.body);
  });
  return { port: await listenOnLoopback(t, server), requests };
}

function text(body: string): { type: string; body: Buffer } {
  return { type: 'text/plain; charset=utf-8', body: Buffer.from(body) };
}

function json(v: FixtureVersion): { type: string; body: Buffer } {
  return { type: 'application/json', body: Buffer.from(JSON.stringify({ Version: v.version, Time: v.time })) };
}

/** A module zip: every entry named <module>@<version>/<file>, as the go command requires. */
function zip(prefix: string, entries: Readonly<Record<string, string>>): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  const mtime = new Date('2019-04-08T00:00:00Z');
  for (const [name, content] of Object.entries(entries)) {
    archive.addBuffer(Buffer.from(content), `${prefix}/${name}`, { mtime });
  }
  archive.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    archive.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    archive.outputStream.on('end', () => { resolve(Buffer.concat(chunks)); });
    archive.outputStream.on('error', reject);
  });
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
