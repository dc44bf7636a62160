// Free loopback ports for programs that must be told their port before they
// start, and cannot say which one they took from port 0: Pebble's listeners,
// its DNS server, and the ports its validation connects to.
import { once } from 'node:events';
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';

/** A TCP port free on 127.0.0.1 a moment ago (the kernel hands out ephemeral ports in turn, so not again soon). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A port free on 127.0.0.1 for both TCP and UDP, as a DNS server needs. */
export async function freeDnsPort(): Promise<number> {
  for (let tries = 0; tries < 20; tries++) {
    const port = await freePort();
    const socket = createSocket('udp4');
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => { resolve(false); });
      socket.bind(port, '127.0.0.1', () => { resolve(true); });
    });
    socket.close();
    if (bound) return port;
  }
  throw new Error('no port free for both TCP and UDP on 127.0.0.1 in 20 tries');
}
