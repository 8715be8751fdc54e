/**
 * One error family with stable codes (STYLE.md rule 6; issue 16 step 4, fastify's way: a code is
 * API, a message is prose and may be reworded). Everything StreamHub throws is a StreamHubError or
 * a subclass of it. The codes live here, in core, because every folder may import core and core
 * imports nothing (DESIGN.md "Dependency rule"): core and the producers throw them too.
 * docs/errors.md is the table users read; test/errors.test.ts keeps it and this list equal.
 */

export const ErrorCode = {
  /** Invalid configuration (a setting, an environment variable, a TLS file); start-up stops. */
  config: 'ERR_CONFIG',
  /** A publish or an input message is not valid for its dialect or channel. */
  invalidMessage: 'ERR_INVALID_MESSAGE',
  /** A publisher refused the caller (the operator API answers 403). */
  forbidden: 'ERR_FORBIDDEN',
  /** The channel, stream or match does not exist (404). */
  notFound: 'ERR_NOT_FOUND',
  /** The operation does not fit the current state (a stream already live, or not live; 409). */
  conflict: 'ERR_CONFLICT',
  /** A bound was reached (connections, live streams); retry later (503). */
  capacity: 'ERR_CAPACITY',
  /** The broker is closed, unreachable or failed the operation (503). */
  broker: 'ERR_BROKER',
  /** Cluster coordination (leases, caps, counter and claim tables) is unreachable or failed. */
  coordination: 'ERR_COORDINATION',
  /** Bytes from another node are not a valid broker envelope. */
  envelope: 'ERR_ENVELOPE',
  /** A JSON document parses but is deeper or larger than `server.jsonMaxDepth`/`jsonMaxNodes`. */
  jsonBounds: 'ERR_JSON_BOUNDS',
  /** A request body is over its byte limit (413). */
  bodyTooLarge: 'ERR_BODY_TOO_LARGE',
  /** The operator's `POST /api/publish` refused the request (the body's `error` says why). */
  publishRefused: 'ERR_PUBLISH_REFUSED',
  /** A token names an algorithm no configured key allows (the same code as jose's own, so both classify alike). */
  tokenAlgorithm: 'ERR_JOSE_ALG_NOT_ALLOWED',
  /** A replay data file (StatsBomb) is missing parts, too large or not the JSON it should be. */
  dataFile: 'ERR_DATA_FILE',
  /** A built-in producer was refused or cut off by the dialect it feeds. */
  producer: 'ERR_PRODUCER',
  /** The `streamhub` command line was used wrongly or its server answered with an error (CliError carries the exit status). */
  cli: 'ERR_CLI',
  /** A broken internal invariant (a bug): subscribing twice, an unexpected script reply. */
  internal: 'ERR_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class StreamHubError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'StreamHubError';
  }
}
