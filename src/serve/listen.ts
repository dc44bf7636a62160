// Listening, with every way it can fail told in one line that names the option.
import type { Server } from 'node:net';
import { StartupError } from '../cli/errors.js';

export function listen(server: Server, port: number, host: string | undefined, option: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(new StartupError(describeListenError(error, port, host, option)));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function describeListenError(error: NodeJS.ErrnoException, port: number, host: string | undefined, option: string): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `${option} ${port}: address already in use (is another server listening there?)`;
    case 'EACCES':
      return port < 1024
        ? `${option} ${port}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; see README)`
        : `${option} ${port}: permission denied`;
    case 'EADDRNOTAVAIL':
      return `--host ${host ?? ''}: not an address of this machine`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `--host ${host ?? ''}: cannot resolve this name`;
    default:
      return `${option} ${port}: cannot listen: ${error.message}`;
  }
}
