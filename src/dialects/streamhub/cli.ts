/**
 * `streamhub subscribe streamhub:<hub channel>`: reads any hub channel (`streamhub:match:demo`,
 * `streamhub:streamhub:chat`) through StreamHub's own protocol with the SDK (issue 18: the CLI uses
 * it), printing each publication's JSON (binary ones as `<binary N bytes>`, or raw with `--raw`).
 * The SDK reconnects and resumes by position on its own; a close it will not retry ends the command.
 */
import WebSocket from 'ws';
import { StreamHubClient, type Publication, type WebSocketConstructor } from '../../../sdk/src/index.js';
import { CliError, Exit, flag, intFlag } from '../../cli/args.js';
import type { CliSubscribeRequest } from '../types.js';

export function subscribeStreamhub(request: CliSubscribeRequest): Promise<void> {
  const { args, target, name, out, signal } = request;
  const count = intFlag(args, 'count');
  const timeoutMs = intFlag(args, 'timeout');
  const url = flag(args, 'stream-url') ?? `${target.secure ? 'wss' : 'ws'}://${target.host}:${target.config.streamhub.port}/v1/ws`;
  const token = flag(args, 'jwt');
  // The CLI's TLS choices (--ca, --insecure) reach the socket through a `ws` constructor bound to them.
  const tls = target.tls;
  const BoundWebSocket = class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { ...tls, perMessageDeflate: false });
    }
  };
  const client = new StreamHubClient(url, { ...(token ? { token } : {}), WebSocket: BoundWebSocket as unknown as WebSocketConstructor, transports: ['websocket'], name: 'streamhub-cli' });
  return new Promise<void>((resolve, reject) => {
    let received = 0;
    let done = false;
    const timer = timeoutMs ? setTimeout(() => finish(new CliError(`${received} of ${count ?? 'any'} messages within ${timeoutMs} ms`, Exit.failure)), timeoutMs) : null;
    const onAbort = () => finish(null);
    signal.addEventListener('abort', onAbort, { once: true });
    function finish(err: Error | null) {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      client.disconnect();
      if (err) reject(err);
      else resolve();
    }
    client.on('disconnected', (e) => {
      if (e.reconnect) return out.note(`disconnected (${e.code} ${e.reason}); reconnecting`);
      // PROTOCOL.md §15: 4500–4999 and 1009 are not retried; 4003/4500 mean the token.
      const exit = e.code === 4003 || e.code === 4500 ? Exit.auth : Exit.failure;
      finish(new CliError(`the server closed the connection: ${e.code} ${e.reason}`, exit));
    });
    const subscription = client.subscribe(name);
    subscription.on('continuity-lost', (e) => out.note(`continuity lost on ${name}: ${e.reason}`));
    subscription.on('error', (err) => finish(new CliError(`${name}: ${err.message}`, /forbidden|unauthorized|permission/i.test(err.message) ? Exit.auth : Exit.failure)));
    subscription.on('publication', (p: Publication) => {
      if (p.bytes) {
        if (args.flags.has('raw')) out.raw(Buffer.from(p.bytes));
        else out.line(`<binary ${p.bytes.length} bytes>`);
      } else out.line(JSON.stringify(p.data));
      received += 1;
      if (count !== undefined && received >= count) finish(null);
    });
    client.connect();
  });
}
