/**
 * Viewer tokens (notes §2.2, §2.4.3): the `token` query JWT is verified before the upgrade.
 * HS256 with `jwt.secret`, RS256 with `jwt.publicKey` (a PEM key or certificate, or a JWKS URL);
 * `exp` required; `token_type` must be `access` when present; `sub` is the viewer id; an optional
 * claim (`jwt.streamsClaim`) lists the streams the viewer may watch. Tokens are never logged.
 */
import {
  createRemoteJWKSet,
  importSPKI,
  importX509,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { ErrorCodes } from './codec.js';
import { ErrorCode, StreamHubError } from '../../errors.js';

export interface NovaAuthOptions {
  readonly jwt: {
    readonly secret: string | null;
    readonly publicKey: string | null;
    readonly issuer: string | null;
    readonly audience: string | null;
    readonly clockToleranceMs: number;
    readonly streamsClaim: string;
    readonly jwksTimeoutMs: number;
    readonly jwksCacheMaxAgeMs: number;
  };
  readonly demo: { readonly enabled: boolean; readonly secret: string; readonly tokenTtlMs: number };
}

export type Verdict =
  | { readonly ok: true; readonly viewerId: string }
  | { readonly ok: false; readonly status: 401 | 403 | 503; readonly errorCode: string; readonly message: string };

/** How tokens are checked: `configured` (secret and/or public key), `demo` (development secret) or `none` (every token refused). */
export type AuthMode = 'configured' | 'demo' | 'none';

/** Verifies viewer tokens; built once per dialect. */
export class NovaTokenVerifier {
  readonly mode: AuthMode;
  readonly #options: NovaAuthOptions;
  readonly #hsKey: Uint8Array | null;
  readonly #rsKey: Promise<CryptoKey> | null;
  readonly #jwks: JWTVerifyGetKey | null;
  readonly #algorithms: string[];

  constructor(options: NovaAuthOptions) {
    this.#options = options;
    const { secret, publicKey } = options.jwt;
    // Never weaken auth when a secret or key is configured: the demo secret applies only when neither is.
    const hsSecret = secret ?? (publicKey === null && options.demo.enabled ? options.demo.secret : null);
    this.mode = secret !== null || publicKey !== null ? 'configured' : hsSecret !== null ? 'demo' : 'none';
    this.#hsKey = hsSecret === null ? null : new TextEncoder().encode(hsSecret);
    this.#jwks = null;
    this.#rsKey = null;
    if (publicKey !== null) {
      if (/^https?:\/\//i.test(publicKey)) {
        this.#jwks = createRemoteJWKSet(new URL(publicKey), {
          timeoutDuration: options.jwt.jwksTimeoutMs,
          cacheMaxAge: options.jwt.jwksCacheMaxAgeMs,
        });
      } else {
        const pem = publicKey.replaceAll('\\n', '\n');
        this.#rsKey = pem.includes('BEGIN CERTIFICATE') ? importX509(pem, 'RS256') : importSPKI(pem, 'RS256');
        // A bad key is reported on first use (as 503), never as an unhandled rejection.
        this.#rsKey.catch(() => undefined);
      }
    }
    this.#algorithms = [...(this.#hsKey ? ['HS256'] : []), ...(publicKey !== null ? ['RS256'] : [])];
  }

  /** Checks the token for watching `streamId`. Never throws. */
  async verify(token: string | null, streamId: string): Promise<Verdict> {
    if (!token) return refuse(401, 'missing token');
    if (this.#algorithms.length === 0) return refuse(401, 'token verification is not configured');
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(token, (header, jws) => this.#keyFor(header.alg, header, jws), {
        algorithms: this.#algorithms,
        requiredClaims: ['exp'],
        clockTolerance: Math.round(this.#options.jwt.clockToleranceMs / 1000),
        ...(this.#options.jwt.issuer ? { issuer: this.#options.jwt.issuer } : {}),
        ...(this.#options.jwt.audience ? { audience: this.#options.jwt.audience } : {}),
      });
      payload = result.payload;
    } catch (err) {
      return classify(err);
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 256) return refuse(401, 'token has no subject');
    if (payload.token_type !== undefined && payload.token_type !== 'access') return refuse(401, 'not an access token');
    const allowed = payload[this.#options.jwt.streamsClaim];
    if (allowed !== undefined && !mayWatch(allowed, streamId)) {
      return { ok: false, status: 403, errorCode: ErrorCodes.unauthorized, message: 'not authorized to watch this stream' };
    }
    return { ok: true, viewerId: payload.sub };
  }

  /** A token for the demo (GET /api/v1/demo/token); null unless demo auth is active. */
  async mintDemoToken(viewerId: string, nowMs: number): Promise<string | null> {
    if (this.mode !== 'demo' || !this.#hsKey) return null;
    return new SignJWT({ token_type: 'access' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(viewerId)
      .setIssuedAt(Math.floor(nowMs / 1000))
      .setExpirationTime(Math.floor((nowMs + this.#options.demo.tokenTtlMs) / 1000))
      .sign(this.#hsKey);
  }

  async #keyFor(alg: string | undefined, header: Parameters<JWTVerifyGetKey>[0], jws: Parameters<JWTVerifyGetKey>[1]) {
    if (alg === 'HS256' && this.#hsKey) return this.#hsKey;
    if (alg === 'RS256' && this.#jwks) return this.#jwks(header, jws);
    if (alg === 'RS256' && this.#rsKey) return this.#rsKey;
    throw new StreamHubError(ErrorCode.tokenAlgorithm, 'unsupported algorithm');
  }
}

function mayWatch(claim: unknown, streamId: string): boolean {
  const id = streamId.toLowerCase();
  if (typeof claim === 'string') return claim === '*' || claim.toLowerCase() === id;
  if (Array.isArray(claim)) return claim.some((c) => typeof c === 'string' && (c === '*' || c.toLowerCase() === id));
  return false;
}

function refuse(status: 401, message: string): Verdict {
  return { ok: false, status, errorCode: ErrorCodes.connectionRejected, message };
}

/** jose errors → 401 (the token's fault) or 503 (the key source's fault: JWKS unreachable, bad key). */
function classify(err: unknown): Verdict {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JWKS_INVALID' || !code.startsWith('ERR_J')) {
    return { ok: false, status: 503, errorCode: ErrorCodes.serverError, message: 'token keys unavailable, try again later' };
  }
  if (code === 'ERR_JWT_EXPIRED') return refuse(401, 'token expired');
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return refuse(401, 'token claims rejected');
  return refuse(401, 'invalid token');
}
