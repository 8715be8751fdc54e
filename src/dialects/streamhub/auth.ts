/**
 * Token verification of the streamhub protocol (PROTOCOL.md §3): HS256 with a shared secret,
 * RS256 with a PEM key or from a JWKS URL (by `kid`); `exp` required; optional `iss`/`aud`.
 * The only file of this dialect that imports `jose`. Tokens are never logged.
 */
import { createRemoteJWKSet, importSPKI, importX509, jwtVerify, type CryptoKey, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../../core/index.js';
import type { StreamhubOptions } from './config.js';
import { Grants } from './grants.js';
import { ErrorCode, StreamHubError } from '../../errors.js';

/** Who a connection is and what it may do. */
export interface Identity {
  readonly user: string;
  readonly grants: Grants;
  /** Token `exp` in ms; null for anonymous connections. */
  readonly expiresAt: number | null;
  /** Presence info from the token's `info` claim (undefined when absent). */
  readonly info: unknown;
}

export type AuthResult = { readonly ok: true; readonly identity: Identity } | { readonly ok: false; readonly message: string };

/** Verifies tokens; one per dialect. `verify` never throws. */
export class TokenVerifier {
  readonly #auth: StreamhubOptions['auth'];
  readonly #clock: Clock;
  readonly #hsKey: Uint8Array | null;
  readonly #rsKey: Promise<CryptoKey> | null;
  readonly #jwks: JWTVerifyGetKey | null;
  readonly #algorithms: string[];

  constructor(auth: StreamhubOptions['auth'], clock: Clock) {
    this.#auth = auth;
    this.#clock = clock;
    this.#hsKey = auth.hmacSecret === null ? null : new TextEncoder().encode(auth.hmacSecret);
    this.#jwks = auth.jwksUrl === null ? null : createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: auth.jwksTimeoutMs, cacheMaxAge: auth.jwksCacheMaxAgeMs });
    if (auth.publicKey === null) this.#rsKey = null;
    else {
      const pem = auth.publicKey.replaceAll('\\n', '\n');
      this.#rsKey = pem.includes('BEGIN CERTIFICATE') ? importX509(pem, 'RS256') : importSPKI(pem, 'RS256');
      // A bad key is reported on first use, never as an unhandled rejection.
      this.#rsKey.catch(() => undefined);
    }
    this.#algorithms = [...(this.#hsKey ? ['HS256'] : []), ...(this.#rsKey || this.#jwks ? ['RS256'] : [])];
  }

  /** Anonymous access is on and gives these read-only grants (PROTOCOL.md §3). */
  anonymous(): Identity | null {
    if (!this.#auth.anonymous) return null;
    return { user: '', grants: Grants.anonymous(this.#auth.anonymousChannels), expiresAt: null, info: undefined };
  }

  async verify(token: string): Promise<AuthResult> {
    if (this.#algorithms.length === 0) return { ok: false, message: 'token verification is not configured' };
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(token, (header, jws) => this.#keyFor(header, jws), {
        algorithms: this.#algorithms,
        requiredClaims: ['exp'],
        currentDate: new Date(this.#clock.now()),
        clockTolerance: Math.round(this.#auth.clockToleranceMs / 1000),
        ...(this.#auth.issuer ? { issuer: this.#auth.issuer } : {}),
        ...(this.#auth.audience ? { audience: this.#auth.audience } : {}),
      });
      payload = result.payload;
    } catch (err) {
      const code = (err as { code?: string }).code;
      return { ok: false, message: code === 'ERR_JWT_EXPIRED' ? 'token expired' : 'invalid token' };
    }
    const user = payload.sub ?? '';
    if (typeof user !== 'string' || user.length > 256) return { ok: false, message: 'invalid sub' };
    const grants = Grants.fromClaim(payload.channels);
    if (!grants) return { ok: false, message: 'invalid channels claim' };
    return { ok: true, identity: { user, grants, expiresAt: (payload.exp as number) * 1000, info: payload.info } };
  }

  async #keyFor(header: Parameters<JWTVerifyGetKey>[0], jws: Parameters<JWTVerifyGetKey>[1]) {
    if (header.alg === 'HS256' && this.#hsKey) return this.#hsKey;
    if (header.alg === 'RS256' && this.#jwks && (header.kid !== undefined || !this.#rsKey)) return this.#jwks(header, jws);
    if (header.alg === 'RS256' && this.#rsKey) return this.#rsKey;
    throw new StreamHubError(ErrorCode.tokenAlgorithm, 'unsupported algorithm');
  }
}
