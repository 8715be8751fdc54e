/**
 * The `obs_logon` / `aux_logon` checks of notes §4.3, in their order, as pure-ish functions: the
 * only effect is the optional backend key lookup. Each failure carries the original's reason text.
 */
import { safeEqual } from '../../net/http-reply.js';
import { text, type Obj } from './codec.js';
import type { VersionRange } from './version-range.js';

/** Longest group code accepted (the client sends short upper-case codes). */
export const MAX_GROUP_CODE = 64;

export const REASONS = {
  invalidPacket: 'Invalid packet.',
  invalidKey: 'Invalid Key',
  expiredKey: 'Expired Key',
  unknownError: 'Unknown Error',
  reconnected: 'reconnected',
  capacity: 'Server is at capacity.',
} as const;

export function versionReason(clientVersion: unknown, serverVersion: string): string {
  return `Client version ${String(clientVersion)} is not compatible with server version ${serverVersion}.`;
}

export function liveGroupReason(groupCode: string): string {
  return `Game with Group Code ${groupCode} exists and is still live.`;
}

export function matchNotFoundReason(matchId: unknown): string {
  return `Game with Match ID ${String(matchId)} not found.`;
}

/** Issue 20 item 2: an aux client may only log on as a player of the match's roster. */
export function playerNotInMatchReason(playerId: string, matchId: string): string {
  return `Player ${playerId} is not in the match with Match ID ${matchId}.`;
}

/** Issue 20 item 2: one aux session per player; a second one is refused while the first is connected. */
export function playerTakenReason(playerId: string): string {
  return `Player ${playerId} already has an auxiliary client connected.`;
}

export interface KeyPolicy {
  readonly requireAuthKey: boolean;
  readonly authKey: string | null;
  readonly backendUrl: string | null;
  readonly backendTimeoutMs: number;
  /** A random in-process key for this node's own producers (the `npm start` demo); never configured, never logged. */
  readonly producerKey: string;
}

export type Check = { readonly ok: true; readonly organizationId?: string } | { readonly ok: false; readonly reason: string };

/** Steps 2 and 3 of obs_logon (type, then client version); the group code is part of a valid packet. */
export function checkObserverPacket(d: Obj, range: VersionRange, serverVersion: string): Check {
  const code = d.groupCode;
  if (d.type !== 'authenticate' || typeof code !== 'string' || code === '' || code.length > MAX_GROUP_CODE) {
    return { ok: false, reason: REASONS.invalidPacket };
  }
  if (!range.satisfies(d.clientVersion)) return { ok: false, reason: versionReason(d.clientVersion, serverVersion) };
  return { ok: true };
}

/** Steps 2 and 3 of aux_logon. */
export function checkAuxPacket(d: Obj, range: VersionRange, serverVersion: string): Check {
  if (d.type !== 'aux_authenticate' || typeof d.matchId !== 'string' || d.matchId === '') {
    return { ok: false, reason: REASONS.invalidPacket };
  }
  if (!range.satisfies(d.clientVersion)) return { ok: false, reason: versionReason(d.clientVersion, serverVersion) };
  return { ok: true };
}

/**
 * The opt-in aux key (`AUX_AUTH_KEY`, issue 20 item 2): with none configured every aux client
 * passes, as in the original (the real Spectra-Client 0.3.3 sends no key in `aux_logon`);
 * otherwise the payload's `key` must equal it (constant-time).
 */
export function checkAuxKey(key: unknown, auxAuthKey: string | null): Check {
  if (auxAuthKey === null) return { ok: true };
  if (typeof key === 'string' && safeEqual(key, auxAuthKey)) return { ok: true };
  return { ok: false, reason: REASONS.invalidKey };
}

/**
 * Step 4 of obs_logon. Valid when keys are not required, when the key equals `AUTH_KEY` (an unset
 * `AUTH_KEY` never matches, not even an absent key: the original's `undefined === undefined`
 * hole is closed), or when the backend answers 200.
 */
export async function checkKey(key: unknown, policy: KeyPolicy, fetchImpl: typeof fetch = fetch): Promise<Check> {
  if (!policy.requireAuthKey) return { ok: true };
  if (policy.authKey !== null && typeof key === 'string' && safeEqual(key, policy.authKey)) return { ok: true };
  if (typeof key === 'string' && safeEqual(key, policy.producerKey)) return { ok: true };
  if (policy.backendUrl === null) return { ok: false, reason: REASONS.invalidKey };
  if (typeof key !== 'string' || key === '') return { ok: false, reason: REASONS.invalidKey };
  try {
    const base = policy.backendUrl.replace(/\/+$/, '');
    const res = await fetchImpl(`${base}/system/validateAccessKey/${encodeURIComponent(key)}`, {
      signal: AbortSignal.timeout(policy.backendTimeoutMs),
    });
    if (res.status === 200) {
      const body = (await res.json().catch(() => ({}))) as Obj;
      const organizationId = text(body.organizationId ?? body.id);
      return organizationId ? { ok: true, organizationId } : { ok: true };
    }
    await res.body?.cancel();
    if (res.status === 401) return { ok: false, reason: REASONS.invalidKey };
    if (res.status === 403) return { ok: false, reason: REASONS.expiredKey };
    return { ok: false, reason: REASONS.unknownError };
  } catch {
    return { ok: false, reason: REASONS.unknownError };
  }
}
