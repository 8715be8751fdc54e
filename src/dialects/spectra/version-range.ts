/**
 * The subset of semver ranges the client-version check needs (notes §4.3 step 3:
 * `semver.satisfies(clientVersion, ">=0.3.3 <0.3.25")`): a space-separated set of comparators
 * `>=`, `>`, `<=`, `<`, `=` or a bare version, all of which must hold. As in semver's default,
 * pre-release versions never satisfy a range.
 */
import { ErrorCode, StreamHubError } from '../../errors.js';

type Triple = readonly [number, number, number];

const VERSION = /^v?(\d{1,9})\.(\d{1,9})\.(\d{1,9})$/;
const COMPARATOR = /^(>=|<=|>|<|=)?(v?\d{1,9}\.\d{1,9}\.\d{1,9})$/;

function parse(version: string): Triple | null {
  const m = VERSION.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function compare(a: Triple, b: Triple): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export interface VersionRange {
  readonly source: string;
  satisfies(version: unknown): boolean;
}

/** Parses a range; throws on syntax it does not support, so bad configuration stops start-up. */
export function parseVersionRange(source: string): VersionRange {
  const comparators = source
    .trim()
    .split(/\s+/)
    .map((part) => {
      const m = COMPARATOR.exec(part);
      if (!m) throw new StreamHubError(ErrorCode.config, `unsupported version range "${source}"`);
      return { op: m[1] ?? '=', version: parse(m[2]!)! };
    });
  return {
    source,
    satisfies(version) {
      if (typeof version !== 'string') return false;
      const v = parse(version);
      if (!v) return false;
      return comparators.every(({ op, version: bound }) => {
        const c = compare(v, bound);
        if (op === '>=') return c >= 0;
        if (op === '>') return c > 0;
        if (op === '<=') return c <= 0;
        if (op === '<') return c < 0;
        return c === 0;
      });
    },
  };
}
