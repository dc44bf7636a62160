// Timeouts and sizes the server enforces, chosen deliberately rather than left to
// Node's defaults, which suit an application server behind a proxy, not a public
// endpoint facing every client of a domain.

export const LIMITS = {
  /** A client has this long to finish the TLS handshake (Node's default is 120 s). */
  handshakeTimeoutMs: 10_000,
  /** ...and then this long to send all request headers: the slowloris bound. */
  headersTimeoutMs: 10_000,
  /** ...and the whole request. go-get requests have no body. */
  requestTimeoutMs: 15_000,
  /** How often Node checks the two timeouts above (its default is 30 s). */
  connectionsCheckingIntervalMs: 1_000,
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: 5_000,
  /** Any connection silent for this long is closed. */
  socketIdleTimeoutMs: 30_000,
  /** Request line plus headers; a go-get request needs well under 1 KiB. */
  maxHeaderSize: 16 * 1024,
  /** On SIGTERM, in-flight requests get this long before connections are cut. */
  drainTimeoutMs: 10_000,
} as const;
