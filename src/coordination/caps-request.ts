/**
 * A limiter is one per name per node (ports.ts): asking again with other numbers is a wiring
 * mistake, and silently keeping the first caps would enforce limits nobody configured.
 */
import { ErrorCode, StreamHubError } from '../errors.js';
import type { CapsRequest } from './ports.js';

/** `server.ipv6CapPrefix`'s default, for a request that names none (DESIGN.md: caps per client network). */
export const DEFAULT_IPV6_CAP_PREFIX = 64;

/** Throws StreamHubError ERR_CONFIG when `next` asks `name` for other caps than `first` did. */
export function sameCaps(name: string, first: CapsRequest, next: CapsRequest): void {
  // `isExempt` is a function and cannot be compared; the numbers can.
  if (first.perIpMax === next.perIpMax && first.totalMax === next.totalMax && (first.ipv6CapPrefix ?? DEFAULT_IPV6_CAP_PREFIX) === (next.ipv6CapPrefix ?? DEFAULT_IPV6_CAP_PREFIX)) return;
  throw new StreamHubError(ErrorCode.config, `coordination: limiter "${name}" was already created with other caps`);
}
