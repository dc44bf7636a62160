// What a TLS connection gets under --acme, decided from its ClientHello before
// the handshake starts: the CA's tls-alpn-01 validation gets the challenge
// certificate, clients of the domain get the real one (waiting for an order
// when there is none yet), and every other name, or none, is refused, so that
// no scanner can make the server spend the CA's rate limits.

/** What the ClientHello said that matters here. */
export interface HelloFacts {
  /** The SNI host name, undefined when the client sent none. */
  readonly serverName: string | undefined;
  /** The ALPN protocols offered, in order; empty when none. */
  readonly alpn: readonly string[];
}

/** What the certificate side knows at this moment. */
export interface RouteState {
  /** A certificate clients accept is in place. */
  readonly hasUsableCertificate: boolean;
  /** An order may start now, or one is already running. */
  readonly mayOrder: boolean;
  /** A tls-alpn-01 challenge for this (lower-case) name is being validated. */
  challengePending(name: string): boolean;
}

export type HandshakeRoute =
  | { readonly kind: 'challenge'; readonly name: string }
  | { readonly kind: 'serve' }
  | { readonly kind: 'wait-for-order' }
  | { readonly kind: 'refuse'; readonly reason: RefusalReason };

export type RefusalReason =
  | 'not a TLS ClientHello'
  | 'no server name'
  | 'not the domain'
  | 'no challenge pending'
  | 'no certificate yet, and the last order failed';

/** RFC 8737: the CA's validation offers this protocol, and only it. */
export const ACME_TLS_PROTOCOL = 'acme-tls/1';

export function routeHandshake(hello: HelloFacts | undefined, domain: string, state: RouteState): HandshakeRoute {
  if (hello === undefined) return refuse('not a TLS ClientHello');
  if (hello.serverName === undefined || hello.serverName === '') return refuse('no server name');
  // Host names compare without case; a trailing dot is not allowed in SNI (RFC 6066).
  const name = hello.serverName.toLowerCase();
  if (name !== domain) return refuse('not the domain');
  if (hello.alpn.includes(ACME_TLS_PROTOCOL)) {
    return state.challengePending(name) ? { kind: 'challenge', name } : refuse('no challenge pending');
  }
  if (state.hasUsableCertificate) return { kind: 'serve' };
  return state.mayOrder ? { kind: 'wait-for-order' } : refuse('no certificate yet, and the last order failed');
}

function refuse(reason: RefusalReason): HandshakeRoute {
  return { kind: 'refuse', reason };
}
