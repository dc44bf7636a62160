// Certificate reload without a restart: on SIGHUP or when the files change on
// disk, the new pair is checked and swapped into the running server. New
// connections get it; open ones keep theirs. A broken pair is refused and the
// previous one keeps serving.
import { watch, type FSWatcher } from 'node:fs';
import type { Server } from 'node:https';
import { basename, dirname } from 'node:path';
import { certificateWarnings, loadCertificatePair, type CertificateFiles, type CertificatePair } from './certificate.js';
import { servedContextOptions } from './context.js';
import { messageOf } from '../cli/errors.js';
import type { Logger } from '../log/logger.js';

export interface CertificateReloader {
  /** Loads the files now; resolves to whether the server uses them. */
  reload(reason: 'SIGHUP' | 'file change'): boolean;
  /** Stops watching the files. */
  close(): void;
}

// Renewal tools write the certificate and the key one after the other.
const SETTLE_MS = 300;

/** Logs the pair's names and expiry, and a warning for each problem with it. */
export function logCertificate(logger: Logger, pair: CertificatePair, files: CertificateFiles, domain: string, reason: string): void {
  logger.info({ reason, file: files.cert, names: pair.names, notAfter: pair.notAfter.toISOString() }, 'certificate loaded');
  for (const warning of certificateWarnings(pair, domain, new Date())) logger.warn({ file: files.cert }, warning);
}

/** Swaps a checked pair into the running server: new connections get it, open ones keep theirs. */
export function useCertificate(server: Server, pair: CertificatePair): void {
  server.setSecureContext(servedContextOptions({ cert: pair.certPem, key: pair.keyPem }));
}

export function watchCertificate(
  server: Server, files: CertificateFiles, initial: CertificatePair, domain: string, logger: Logger,
): CertificateReloader {
  let current = initial;

  const reload = (reason: 'SIGHUP' | 'file change'): boolean => {
    try {
      const pair = loadCertificatePair(files);
      // A file event with nothing new (a touch, an editor's temp file) is no reload.
      if (reason === 'file change' && pair.certPem === current.certPem && pair.keyPem === current.keyPem) return true;
      useCertificate(server, pair);
      current = pair;
      logCertificate(logger, pair, files, domain, reason);
      return true;
    } catch (error) {
      logger.error({ reason, problem: messageOf(error) },
        'certificate reload refused; still serving the previous certificate');
      return false;
    }
  };

  // Directories, not files: renewals replace files by rename or move a symlink,
  // which a watch on the old file would never see.
  const names = new Set([basename(files.cert), basename(files.key)]);
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  for (const dir of new Set([dirname(files.cert), dirname(files.key)])) {
    try {
      const watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name !== null && !names.has(name)) return;
        clearTimeout(timer);
        timer = setTimeout(() => { reload('file change'); }, SETTLE_MS);
      });
      watcher.on('error', (error) => { logger.warn({ err: error, dir }, 'stopped watching for certificate changes'); });
      watchers.push(watcher);
    } catch (error) {
      logger.warn({ err: error, dir }, 'cannot watch for certificate changes; reload with SIGHUP');
    }
  }

  return {
    reload,
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
