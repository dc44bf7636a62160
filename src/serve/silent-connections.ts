// Closes connections on which nothing has moved, either way, for a while: a
// client that stops reading its answers holds its connection, and the answers
// queued for it, until then. The other stalls have their own limits: a
// handshake, the headers, the request, an idle keep-alive connection.
//
// Why not server.timeout, which does the same per socket: Node refreshes its
// timer on every read and every write, a cost every request pays (bench/README.md
// has the figure). Here each connection is looked at once every third of the
// time allowed, whatever it carries: one is closed between silentMs and 4/3 of it.
import type { Server as HttpServer } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';

/** What was last seen moving on a connection, and when. */
interface Seen { moved: number; since: number }

/**
 * Bytes read and written so far, those waiting to be written included (Node's
 * count). NaN once the socket is destroyed: never equal, so taken for moving,
 * until its close takes it off the watch.
 */
const movedOn = (socket: Socket): number => socket.bytesRead + socket.bytesWritten;

export function closeSilentConnections(server: HttpServer | HttpsServer, silentMs: number): void {
  const watched = new Map<Socket, Seen>();
  // An https server's connections carry requests once the handshake is done
  // (the handshake timeout covers the time before); a plain one's at once.
  server.on(server instanceof HttpsServer ? 'secureConnection' : 'connection', (socket: Socket) => {
    watched.set(socket, { moved: movedOn(socket), since: Date.now() });
    socket.once('close', () => { watched.delete(socket); });
  });
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [socket, seen] of watched) {
      const moved = movedOn(socket);
      if (moved !== seen.moved) {
        seen.moved = moved;
        seen.since = now;
      } else if (now - seen.since >= silentMs) {
        socket.destroy();
      }
    }
  }, silentMs / 3).unref();
  server.once('close', () => { clearInterval(sweep); });
}
