// A small HTTPS client for tests: one request, the whole answer, the CA given.
import { request } from 'node:https';

export interface HttpsAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface HttpsRequest {
  readonly port: number;
  readonly ca: string;
  readonly path: string;
  readonly method?: string;
  /** TLS server name and Host header; localhost unless given. */
  readonly servername?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export function httpsRequest(options: HttpsRequest): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: options.port,
      path: options.path,
      method: options.method ?? 'GET',
      ca: options.ca,
      servername: options.servername ?? 'localhost',
      headers: { host: options.servername ?? 'localhost', ...options.headers },
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Sends bytes over a fresh TLS connection exactly as given (for request lines a
 * well-behaved client refuses to send) and returns everything the server wrote
 * before closing; from another loopback address (127.0.0.2) if asked.
 */
export async function rawTlsExchange(
  port: number, ca: string, bytes: string | Buffer, from: { readonly localAddress?: string } = {},
): Promise<string> {
  const { connect } = await import('node:tls');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ...from }, () => {
      socket.end(bytes);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => { resolve(Buffer.concat(chunks).toString('latin1')); });
    socket.on('error', reject);
  });
}
