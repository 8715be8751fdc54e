/**
 * Channel grants from a token's `channels` claim (PROTOCOL.md §3): patterns where `*` matches any
 * run of characters, each granting permissions. Patterns only add rights.
 */

export const Permission = { subscribe: 'subscribe', publish: 'publish', history: 'history', presence: 'presence' } as const;
export type Permission = (typeof Permission)[keyof typeof Permission];
const ALL: readonly string[] = Object.values(Permission);

/** Most patterns one token may carry (a bound on per-command matching cost). */
export const MAX_GRANT_PATTERNS = 256;

interface Grant {
  readonly pattern: RegExp;
  readonly allow: ReadonlySet<Permission>;
}

/** What one connection may do, by channel. Immutable; a refresh builds a new one. */
export class Grants {
  readonly #grants: readonly Grant[];

  constructor(grants: readonly Grant[]) {
    this.#grants = grants;
  }

  /** Grants of a verified token's `channels` claim; null when the claim is malformed. */
  static fromClaim(claim: unknown): Grants | null {
    if (claim === undefined) return new Grants([]);
    if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) return null;
    const entries = Object.entries(claim as Record<string, unknown>);
    if (entries.length > MAX_GRANT_PATTERNS) return null;
    const grants: Grant[] = [];
    for (const [pattern, perms] of entries) {
      if (!Array.isArray(perms) || pattern.length === 0 || pattern.length > 256) return null;
      const allow = new Set<Permission>();
      for (const p of perms) if (typeof p === 'string' && ALL.includes(p)) allow.add(p as Permission);
      grants.push({ pattern: globToRegExp(pattern), allow });
    }
    return new Grants(grants);
  }

  /** Read-only grants of anonymous connections (`streamhub.auth.anonymousChannels`). */
  static anonymous(patterns: readonly string[]): Grants {
    const allow = new Set<Permission>([Permission.subscribe, Permission.history]);
    return new Grants(patterns.map((p) => ({ pattern: globToRegExp(p), allow })));
  }

  allows(channel: string, permission: Permission): boolean {
    for (const g of this.#grants) if (g.allow.has(permission) && g.pattern.test(channel)) return true;
    return false;
  }
}

/** `*` matches any run of characters; everything else is literal. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}
