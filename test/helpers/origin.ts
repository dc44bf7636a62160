// An origin server on loopback for the Worker to stand in front of: its own
// go-import page and other pages, and paths that fail in each way an origin
// fails (503, no answer, headers then silence). Records every request it gets.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { listenOnLoopback } from './listen.js';

/** The origin's own answer for /gpu/mtl?go-get=1: a git repository, not the mirror. */
export const ORIGIN_PAGE = '<!DOCTYPE html><html><head>\n'
  + '<meta name="go-import" content="dmitri.shuralyov.com/gpu/mtl git https://github.com/shurcooL/mtl">\n'
  + '</head><body>the origin itself</body></html>\n';

export interface OriginRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Origin {
  readonly url: string;
  readonly requests: OriginRequest[];
}

export async function startOrigin(t: TestContext): Promise<Origin> {
  const requests: OriginRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '';
      const request = { method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      if (url.startsWith('/slow/')) return; // never answers
      if (url.startsWith('/stall/')) {
        res.writeHead(200, { 'content-type': 'text/html' }).write('<!DOCTYPE html><html><head>\n');
        return; // never finishes
      }
      if (url.startsWith('/fail/')) {
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '30' }).end('origin overloaded\n');
      } else if (url === '/gpu/mtl?go-get=1') {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8', 'cache-control': 'max-age=300', 'x-origin': 'yes', 'set-cookie': ['a=1', 'b=2'],
        }).end(ORIGIN_PAGE);
      } else if (url === '/moved') {
        res.writeHead(301, { location: 'https://dmitri.shuralyov.com/elsewhere' }).end();
      } else if (url.startsWith('/echo')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(request));
      } else if (url === '/hop') {
        // Connection names x-origin-hop: it describes this connection only.
        res.writeHead(200, { connection: 'x-origin-hop', 'x-origin-hop': '1', 'keep-alive': 'timeout=99', 'x-end': '1' }).end('hop\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain', 'x-origin': 'yes' }).end('origin has no such page\n');
      }
    });
  });
  const port = await listenOnLoopback(t, server);
  return { url: `http://127.0.0.1:${port}`, requests };
}

/** A loopback port nothing listens on: an origin that is down. */
export async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
