/**
 * Publish key checks (notes §3.6). Standalone mode accepts any key; with a verification URL the
 * original coordinator's rule applies: POST with the channel, key and client IP as headers,
 * 200 means valid, anything else, an error or a timeout means deny.
 */

export interface KeyCheck {
  readonly channel: string;
  readonly key: string;
  readonly ip: string;
}

export interface KeyVerifier {
  /** Resolves true when `check.key` may publish on `check.channel`. Never rejects. */
  verify(check: KeyCheck): Promise<boolean>;
  readonly mode: 'standalone' | 'http';
}

export interface KeyVerificationOptions {
  readonly url: string | null;
  readonly timeoutMs: number;
  readonly authorization: string | null;
}

/** Standalone: the key becomes the session's shared secret that receivers must present. */
const standaloneVerifier: KeyVerifier = {
  mode: 'standalone',
  verify: async () => true,
};

/** The coordinator's HTTP check (coordinator/key_validation.go): headers x-streaming-channel, x-streaming-key, x-user-ip. */
class HttpKeyVerifier implements KeyVerifier {
  readonly mode = 'http' as const;
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #authorization: string | null;

  constructor(url: string, timeoutMs: number, authorization: string | null) {
    this.#url = url;
    this.#timeoutMs = timeoutMs;
    this.#authorization = authorization;
  }

  async verify(check: KeyCheck): Promise<boolean> {
    const headers: Record<string, string> = {
      'x-streaming-channel': check.channel,
      'x-streaming-key': check.key,
      'x-user-ip': check.ip,
    };
    if (this.#authorization) headers.authorization = this.#authorization;
    try {
      const res = await fetch(this.#url, {
        method: 'POST',
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      // The body is not read; cancelling frees the connection (a bounded wait either way).
      await res.body?.cancel().catch(() => undefined);
      return res.status === 200;
    } catch {
      // Timeout, refused connection, DNS failure: the coordinator counts them all as a deny.
      return false;
    }
  }
}

export function createKeyVerifier(options: KeyVerificationOptions): KeyVerifier {
  return options.url ? new HttpKeyVerifier(options.url, options.timeoutMs, options.authorization) : standaloneVerifier;
}
