// The ACME protocol (RFC 8555), through acme-client: find or register the
// account, then one order for one name, validated by one challenge type that
// this server answers itself, and the certificate it yields. Every failure
// comes out as an OrderFailure carrying the CA's problem document.
import { Client, crypto as acmeCrypto, type Authorization, type Order } from 'acme-client';
import type { ChallengeAnswer, ChallengeAnswers, ChallengeType } from './challenges.js';
import { asProblem, clearLastFailure, configureTransport, explainFailure, type Problem } from './transport.js';

export class OrderFailure extends Error {
  override readonly name = 'OrderFailure';
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

export interface IssuedCertificate {
  /** The leaf and the CA's intermediates, PEM. */
  readonly chainPem: string;
  readonly keyPem: string;
}

export interface AcmeAccount {
  readonly directoryUrl: string;
  readonly accountKeyPem: string;
  /** The account's contact; none when undefined. */
  readonly email: string | undefined;
  /** Trusted for the CA's own https besides the public roots (a private CA, such as Pebble in tests). */
  readonly trustedCaPem?: string | undefined;
}

export interface Orderer {
  /** Orders a certificate for the name; rejects with an OrderFailure. */
  order(name: string, type: ChallengeType): Promise<IssuedCertificate>;
  /** The account's URL at the CA, once found or registered. */
  accountUrl(): string | undefined;
}

// How often an order's status is asked while the CA validates: soon at first,
// since an on-demand order has a handshake waiting on it.
const POLL = { backoffAttempts: 12, backoffMin: 250, backoffMax: 4_000 } as const;

export function createOrderer(account: AcmeAccount, challenges: Pick<ChallengeAnswers, 'present' | 'withdraw'>): Orderer {
  configureTransport(account.trustedCaPem);
  let accountUrl: string | undefined;

  async function order(name: string, type: ChallengeType): Promise<IssuedCertificate> {
    // A client, and an account look-up, for each order: orders are weeks apart,
    // and a CA that has forgotten the account (a reset staging CA, a
    // deactivated account) then gets it registered again instead of failing
    // every order until a restart. The key is the account: for a key the CA
    // knows, newAccount returns that account (RFC 8555 section 7.3.1) and
    // updates its contact, so no restart ever registers a second one.
    const client = new Client({ directoryUrl: account.directoryUrl, accountKey: account.accountKeyPem, ...POLL });
    await client.createAccount({
      termsOfServiceAgreed: true,
      ...(account.email === undefined ? {} : { contact: [`mailto:${account.email}`] }),
    });
    accountUrl = client.getAccountUrl();
    const placed = await client.createOrder({ identifiers: [{ type: 'dns', value: name }] });
    for (const authz of await client.getAuthorizations(placed)) {
      // A CA may reuse a recent validation of the name: nothing to answer then.
      if (authz.status !== 'valid') await answer(client, authz, placed, type);
    }
    const [keyPem, csr] = await acmeCrypto.createCsr({ commonName: name, altNames: [name] },
      await acmeCrypto.createPrivateEcdsaKey('P-256'));
    const finalized = await client.finalizeOrder(placed, csr);
    return { chainPem: await client.getCertificate(finalized), keyPem: keyPem.toString() };
  }

  async function answer(client: Client, authz: Authorization, order: Order & { url: string }, type: ChallengeType): Promise<void> {
    const name = authz.identifier.value;
    // The library's types know only http-01 and dns-01; CAs offer tls-alpn-01 too.
    const challenge = authz.challenges.find((c) => (c.type as string) === type);
    if (challenge === undefined) throw new OrderFailure({ detail: `the CA offers no ${type} challenge for ${name}` });
    const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
    const reply: ChallengeAnswer = type === 'http-01'
      ? { type, token: challenge.token, keyAuthorization }
      : { type, name, ...await alpnCertificate(authz, keyAuthorization) };
    challenges.present(reply);
    try {
      await client.completeChallenge(challenge);
      await client.waitForValidStatus(challenge);
    } catch (error) {
      throw new OrderFailure(await validationProblem(client, order, challenge.url) ?? explainFailure(error, account.directoryUrl));
    } finally {
      challenges.withdraw(reply);
    }
  }

  return {
    accountUrl: () => accountUrl,
    async order(name, type) {
      clearLastFailure();
      try {
        return await order(name, type);
      } catch (error) {
        throw error instanceof OrderFailure ? error : new OrderFailure(explainFailure(error, account.directoryUrl));
      }
    },
  };
}

/** The problem the CA recorded on the challenge, which says why validation failed. */
async function validationProblem(client: Client, order: Order & { url: string }, challengeUrl: string): Promise<Problem | undefined> {
  try {
    const authorizations = await client.getAuthorizations(order);
    const challenge = authorizations.flatMap((a) => a.challenges).find((c) => c.url === challengeUrl);
    return asProblem(challenge?.error);
  } catch {
    // The CA did not say: the caller reports the error it has.
    return undefined;
  }
}

/** The self-signed certificate with the acmeIdentifier extension that tls-alpn-01 asks for (RFC 8737). */
async function alpnCertificate(authz: Authorization, keyAuthorization: string): Promise<{ cert: string; key: string }> {
  const [key, cert] = await acmeCrypto.createAlpnCertificate(authz, keyAuthorization,
    await acmeCrypto.createPrivateEcdsaKey('P-256'));
  return { cert: cert.toString(), key: key.toString() };
}
