// The options of every TLS context the server makes: at start, at each reload,
// and for ACME's challenges.
import type { SecureContextOptions } from 'node:tls';

/**
 * A certificate and key to present (none for a context that only picks others),
 * and no trust store (`ca: []`): this server asks no client for a certificate,
 * and for the first context made without a list Node parses all its root
 * certificates, a large part of a cold start. The chain sent is what the
 * certificate holds either way.
 */
export function servedContextOptions(pem?: { readonly cert: string; readonly key: string }): SecureContextOptions {
  return { ...pem, ca: [] };
}
