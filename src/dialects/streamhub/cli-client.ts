/**
 * The SDK client of `streamhub subscribe|publish streamhub:…` (issue 18: "the CLI's subscribe and
 * publish use it"): the `ws` package bound to the CLI's TLS choices, and a token from, in order,
 * `--jwt`, the environment's `STREAMHUB_TOKEN`, or, when the CLI runs beside the server and has
 * its HS256 secret (`STREAMHUB_JWT_SECRET` / `streamhub.auth.hmacSecret`), a short-lived token it
 * mints itself that grants exactly the one permission on the one channel the command needs.
 */
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { StreamHubClient, type BackoffOptions, type WebSocketConstructor } from '../../../sdk/src/index.js';
import { flag, type ParsedArgs } from '../../cli/args.js';
import type { Target } from '../../cli/target.js';

/** Lifetime of a minted token, s. The SDK asks for the next one before `exp` (PROTOCOL.md §6), so a long `subscribe` outlives it. */
const MINTED_TOKEN_TTL_S = 600;
/** `sub` of minted tokens: the server's logs and presence tell the CLI apart. */
export const MINTED_TOKEN_SUBJECT = 'streamhub-cli';

/** Where the command's token came from (named in error messages). */
export type TokenOrigin = '--jwt' | 'STREAMHUB_TOKEN' | 'STREAMHUB_JWT_SECRET' | 'none';

export interface CliClient {
  readonly client: StreamHubClient;
  readonly url: string;
  readonly tokenOrigin: TokenOrigin;
}

/** `ws://host:<streamhub.port>/v1/ws`, or `--stream-url`. */
export function protocolUrl(args: ParsedArgs, target: Target): string {
  return flag(args, 'stream-url') ?? `${target.secure ? 'wss' : 'ws'}://${target.host}:${target.config.streamhub.port}/v1/ws`;
}

/**
 * A client for one command on `channel`, needing `permission` there. It is not connected yet.
 * `backoff` bounds the reconnects (publish gives up; subscribe follows for as long as it runs).
 */
export function createCliClient(args: ParsedArgs, target: Target, channel: string, permission: 'subscribe' | 'publish', backoff?: BackoffOptions): CliClient {
  const url = protocolUrl(args, target);
  const given = flag(args, 'jwt') ?? (target.env.STREAMHUB_TOKEN || undefined);
  const secret = target.config.streamhub.auth.hmacSecret;
  const tokenOrigin: TokenOrigin = flag(args, 'jwt') ? '--jwt' : given ? 'STREAMHUB_TOKEN' : secret ? 'STREAMHUB_JWT_SECRET' : 'none';
  const credentials = given ? { token: given } : secret ? { getToken: () => mintToken(secret, channel, permission) } : {};
  // The CLI's TLS choices (--ca, --insecure) reach the socket through a `ws` constructor bound to them.
  const tls = target.tls;
  const BoundWebSocket = class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { ...tls, perMessageDeflate: false });
    }
  };
  const client = new StreamHubClient(url, {
    ...credentials,
    WebSocket: BoundWebSocket as unknown as WebSocketConstructor,
    transports: ['websocket'],
    name: 'streamhub-cli',
    ...(backoff ? { backoff } : {}),
  });
  return { client, url, tokenOrigin };
}

/**
 * An HS256 token (PROTOCOL.md §3) granting `permission` on `channel` only. A `*` in the name would
 * also match other channels (§3 patterns); harmless, since the token never leaves this process.
 */
async function mintToken(secret: string, channel: string, permission: 'subscribe' | 'publish'): Promise<string> {
  return new SignJWT({ sub: MINTED_TOKEN_SUBJECT, channels: { [channel]: [permission] } })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + MINTED_TOKEN_TTL_S)
    .sign(new TextEncoder().encode(secret));
}
