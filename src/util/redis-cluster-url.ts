/**
 * How a node learns that its Redis is a Redis Cluster (issue 17 "Past one Redis" (b)): by the URL
 * scheme, so the one setting `server.redisUrl` (`STREAMHUB_REDIS_URL`) says it for the broker and
 * for coordination alike: `redis+cluster://[user:password@]host:port[?seeds=host:port,host:port]`
 * (`rediss+cluster://` for TLS). `host:port` is one node of the cluster; `seeds` lists more, tried
 * when the first is down at start. The client learns every other node and the slot map from
 * them (CLUSTER SLOTS). Pure parsing, no client: src/brokers and src/cluster each build their own.
 */
import { ErrorCode, StreamHubError } from '../errors.js';

const CLUSTER_SCHEME = /^rediss?\+cluster:\/\//;

export interface ClusterUrl {
  /** Startup nodes, the URL's host first. */
  readonly seeds: readonly { readonly host: string; readonly port: number }[];
  readonly username?: string;
  readonly password?: string;
  /** `rediss+cluster://`: every node connection uses TLS. */
  readonly tls: boolean;
}

/** True for `redis+cluster://` and `rediss+cluster://` URLs. */
export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEME.test(url);
}

/** True for the URLs a Redis client here takes: `redis://`, `rediss://` and their `+cluster` forms. */
export function isRedisUrl(url: string): boolean {
  return /^rediss?:\/\//.test(url) || CLUSTER_SCHEME.test(url);
}

function seed(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  const host = (at > 0 ? text.slice(0, at) : text).replace(/^\[|\]$/g, '');
  const port = at > 0 ? Number(text.slice(at + 1)) : 6379;
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65_535) throw new StreamHubError(ErrorCode.config, 'redis cluster URL: a seed must be host:port');
  return { host, port };
}

/** Parses a cluster URL; throws ERR_CONFIG (without echoing the URL: it may carry a password). */
export function parseClusterUrl(url: string): ClusterUrl {
  if (!isClusterUrl(url)) throw new StreamHubError(ErrorCode.config, 'redis cluster URL must start with redis+cluster:// or rediss+cluster://');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StreamHubError(ErrorCode.config, 'redis cluster URL does not parse');
  }
  const first = seed(`${parsed.hostname}:${parsed.port || '6379'}`);
  const more = (parsed.searchParams.get('seeds') ?? '').split(',').filter(Boolean).map(seed);
  return {
    seeds: [first, ...more],
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    tls: url.startsWith('rediss+'),
  };
}
