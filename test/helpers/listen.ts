// Starts a test's own http(s) server on an ephemeral loopback port, and closes
// it (open connections first) when the test ends.
import { once } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

/** Resolves with the port once the server listens on 127.0.0.1. */
export async function listenOnLoopback(t: TestContext, server: HttpServer | HttpsServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  return (server.address() as AddressInfo).port;
}
