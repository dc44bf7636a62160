// When to order a certificate, as pure functions of the certificate's own dates,
// the clock and the count of failed orders: no fixed daily poll, and retries
// that back off far enough to stay under a CA's failed-validation limits.

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Delays between failed orders: doubling from the first to the last, then staying there. */
export interface RetryBounds {
  readonly minMs: number;
  readonly maxMs: number;
}

/**
 * A minute, then doubling up to an hour: Let's Encrypt allows 5 failed
 * validations per account and name an hour, and a standby that is not yet the
 * DNS target fails each one until it is.
 */
export const DEFAULT_RETRY: RetryBounds = Object.freeze({ minMs: 60_000, maxMs: 3_600_000 });

/** setTimeout fires at once for a delay above 2^31 - 1 ms (24.8 days); longer waits are cut and re-planned. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** When a third of the certificate's lifetime is left (as CertMagic does): 30 days before a 90-day certificate ends. */
export function renewalTime(validity: Validity): number {
  const start = validity.notBefore.getTime();
  const end = validity.notAfter.getTime();
  return end - (end - start) / 3;
}

/** Whether clients accept the certificate's dates at this moment. */
export function isUsable(validity: Validity, now: number): boolean {
  return validity.notBefore.getTime() <= now && now < validity.notAfter.getTime();
}

/** Whether a stored certificate can be served without ordering: usable, with more than a third of its life left. */
export function isFresh(validity: Validity, now: number): boolean {
  return isUsable(validity, now) && now < renewalTime(validity);
}

/** The wait after the n-th failed order in a row (n >= 1). */
export function retryDelay(failures: number, bounds: RetryBounds): number {
  const doubled = bounds.minMs * 2 ** Math.max(0, Math.min(failures - 1, 30));
  return Math.min(doubled, bounds.maxMs);
}

/** The timeout to set for a moment: never negative, never more than a timer can hold. */
export function timerDelay(at: number, now: number): number {
  return Math.min(Math.max(0, at - now), MAX_TIMER_MS);
}

/**
 * When the next order should start by itself (renewal, or a retry), or
 * undefined when only a handshake should start one. Without http-01, orders
 * are validated by tls-alpn-01, which succeeds only once clients, and the CA,
 * reach this server: a standby that is not the DNS target would fail every
 * retry. So once the certificate has run out (or there never was one) such a
 * server waits for a handshake for the domain, the sign that it is the target.
 */
export function nextOrderTime(
  current: Validity | undefined, httpChallenges: boolean, retryAt: number, now: number,
): number | undefined {
  if (current === undefined) return httpChallenges ? retryAt : undefined;
  const at = Math.max(renewalTime(current), retryAt);
  if (!httpChallenges && Math.max(at, now) >= current.notAfter.getTime()) return undefined;
  return at;
}
