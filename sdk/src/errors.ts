/**
 * Errors the SDK reports. `code` is stable API: the server's error codes as PROTOCOL.md lists them,
 * plus the SDK's own (sdk/README.md "Errors": `not_connected`, `timeout`, `closed`, `disconnected`,
 * `too_many_pending`, `read_only`, `token`, `transport`, `bad_frame`, `bad_delta`).
 */
export class StreamHubError extends Error {
  override readonly name = 'StreamHubError';
  readonly code: string;
  /** Whether retrying the same call later may succeed (server-given when the server says so). */
  readonly temporary: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; temporary?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.temporary = options.temporary ?? false;
  }
}
