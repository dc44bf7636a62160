// An HTTP CONNECT proxy on loopback: the go command's HTTPS_PROXY. It routes the
// named host:port pairs to local ports, refuses every other destination, and
// records both, so no test traffic can leave the machine and none goes unseen.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

export interface ConnectProxy {
  readonly url: string;
  /** Every CONNECT target asked for, routed or not. */
  readonly connects: string[];
  readonly refused: string[];
}

export async function startConnectProxy(t: TestContext, routes: ReadonlyMap<string, number>): Promise<ConnectProxy> {
  const connects: string[] = [];
  const refused: string[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => { socket.destroy(); });
  };

  const server = createServer((_req, res) => {
    res.writeHead(405, { 'content-type': 'text/plain' }).end('this proxy only tunnels CONNECT\n');
  });
  server.on('connect', (req: { url?: string }, client: Socket, head: Buffer) => {
    track(client);
    const target = req.url ?? '';
    connects.push(target);
    const port = routes.get(target);
    if (port === undefined) {
      refused.push(target);
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(resolve);
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connects, refused };
}
