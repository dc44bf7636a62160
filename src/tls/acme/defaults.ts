// The --acme defaults, apart from the ACME code so that the command line can
// name them without loading it.

export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';

/**
 * The store's default: the directory systemd made for the service
 * (StateDirectory=, passed as $STATE_DIRECTORY, the first of several when the
 * unit names more), else ./acme.
 */
export function defaultStoreDir(env: NodeJS.ProcessEnv): string {
  const first = env.STATE_DIRECTORY?.split(':')[0];
  return first === undefined || first === '' ? 'acme' : first;
}
