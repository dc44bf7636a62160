// The answers to the CA's challenges while an order is validated, kept in
// memory only: http-01 key authorizations by token, for the plain-http
// listener, and tls-alpn-01 certificates by name, for the https port.
import { createSecureContext, type SecureContext } from 'node:tls';
import { servedContextOptions } from '../context.js';

export type ChallengeType = 'http-01' | 'tls-alpn-01';

export type ChallengeAnswer =
  | { readonly type: 'http-01'; readonly token: string; readonly keyAuthorization: string }
  | { readonly type: 'tls-alpn-01'; readonly name: string; readonly cert: string; readonly key: string };

export class ChallengeAnswers {
  readonly #http = new Map<string, string>();
  readonly #alpn = new Map<string, SecureContext>();

  present(answer: ChallengeAnswer): void {
    if (answer.type === 'http-01') this.#http.set(answer.token, answer.keyAuthorization);
    else this.#alpn.set(answer.name, createSecureContext(servedContextOptions({ cert: answer.cert, key: answer.key })));
  }

  withdraw(answer: ChallengeAnswer): void {
    if (answer.type === 'http-01') this.#http.delete(answer.token);
    else this.#alpn.delete(answer.name);
  }

  /** The key authorization the plain-http listener answers for a token. */
  httpAnswer(token: string): string | undefined {
    return this.#http.get(token);
  }

  /** The TLS context carrying the acmeIdentifier certificate for a name. */
  alpnContext(name: string): SecureContext | undefined {
    return this.#alpn.get(name);
  }
}
