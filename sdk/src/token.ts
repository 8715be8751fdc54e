/**
 * When to refresh a JWT: read `exp` from the token's payload (RFC 7519 §4.1.4; no verification, the
 * server verifies) and ask the application for a new token a little before it, so a long-lived
 * connection never reaches `exp` (the server enforces it and would close the connection).
 */

/** The `exp` claim in ms since the Unix epoch, or undefined for an unreadable token or one without `exp`. */
export function tokenExpiryMs(token: string): number | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const json = JSON.parse(decodeBase64Url(part)) as { exp?: unknown };
    return typeof json.exp === 'number' && Number.isFinite(json.exp) ? json.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 4648 §5 base64url → UTF-8 text, with `atob` (browsers and Node ≥ 16 both have it). */
function decodeBase64Url(text: string): string {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

export interface RefreshTiming {
  /** Refresh this long before `exp`, ms (default 30 000). */
  readonly leadMs?: number;
  /** Never schedule sooner than this, ms (default 1 000): an already-expiring token is not refreshed in a loop. */
  readonly minDelayMs?: number;
}

export const DEFAULT_REFRESH_LEAD_MS = 30_000;

/**
 * Delay from `nowMs` until the refresh, or undefined when the token has no `exp`. For a short-lived
 * token the lead is at most half its remaining life, so a 20 s token is refreshed after ~10 s.
 */
export function refreshDelayMs(token: string, nowMs: number, timing: RefreshTiming = {}): number | undefined {
  const exp = tokenExpiryMs(token);
  return exp === undefined ? undefined : refreshDelayForExpiry(exp, nowMs, timing);
}

/** The same rule from an expiry in ms (the server's `expiresAt`, PROTOCOL.md §5/§6). */
export function refreshDelayForExpiry(expiresAtMs: number, nowMs: number, timing: RefreshTiming = {}): number {
  const remaining = expiresAtMs - nowMs;
  const lead = Math.min(timing.leadMs ?? DEFAULT_REFRESH_LEAD_MS, remaining / 2);
  return Math.max(timing.minDelayMs ?? 1_000, Math.floor(remaining - lead));
}

/** True when the token expires within `leadMs` of `nowMs` (a reconnect then asks for a new one first). */
export function tokenExpiresSoon(token: string, nowMs: number, leadMs = DEFAULT_REFRESH_LEAD_MS): boolean {
  const exp = tokenExpiryMs(token);
  return exp !== undefined && exp - nowMs <= leadMs;
}
