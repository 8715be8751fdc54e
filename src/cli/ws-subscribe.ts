/**
 * `streamhub subscribe` over WebSocket, for the dialects whose real clients are plain WebSocket
 * clients: prints each message (skipping the dialect's liveness traffic), stops after `--count`
 * messages, fails after `--timeout` ms or on an abnormal close.
 */
import WebSocket from 'ws';
import { CliError, Exit, intFlag } from './args.js';
import type { CliSubscribeRequest } from '../dialects/types.js';

/** Largest frame accepted from the server (a relay chunk can be large). */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export interface WsSubscribePlan {
  readonly url: string;
  /** Sent once the socket is open (e.g. elstat's op 0 subscribe). */
  onOpen?(ws: WebSocket): void;
  /** A frame sent every `everyMs` while subscribed (relay's `h`: seed 002 §Heartbeat). */
  readonly heartbeat?: { readonly everyMs: number; readonly frame: string };
  /** Liveness traffic: answered or skipped, never printed (true: skip). */
  isHeartbeat?(text: string, ws: WebSocket): boolean;
}

export function subscribeOverWebSocket(request: CliSubscribeRequest, plan: WsSubscribePlan): Promise<void> {
  const { args, target, out, signal } = request;
  const { url } = plan;
  const count = intFlag(args, 'count');
  const timeoutMs = intFlag(args, 'timeout');
  return new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url, { ...target.tls, maxPayload: MAX_FRAME_BYTES, handshakeTimeout: 10_000, perMessageDeflate: false });
    let received = 0;
    let heartbeat: NodeJS.Timeout | null = null;
    const timer = timeoutMs ? setTimeout(() => finish(new CliError(`${received} of ${count ?? 'any'} messages within ${timeoutMs} ms`, Exit.failure)), timeoutMs) : null;
    const onAbort = () => finish(null);
    signal.addEventListener('abort', onAbort, { once: true });
    let done = false;
    function finish(err: Error | null) {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      if (heartbeat) clearInterval(heartbeat);
      signal.removeEventListener('abort', onAbort);
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      else ws.terminate();
      if (err) reject(err);
      else resolve();
    }
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body = (body + c.toString()).slice(0, 300)));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const exit = status === 404 ? Exit.notFound : status === 401 || status === 403 ? Exit.auth : Exit.failure;
        finish(new CliError(`${url.replace(/token=[^&]+/, 'token=***')} refused the upgrade: HTTP ${status}${body ? ` ${body.trim()}` : ''}`, exit));
      });
    });
    ws.on('error', (err) => finish(new CliError(`cannot connect to ${url.replace(/token=[^&]+/, 'token=***')}: ${err.message}`, Exit.failure)));
    ws.on('open', () => {
      plan.onOpen?.(ws);
      if (plan.heartbeat) heartbeat = setInterval(() => ws.send(plan.heartbeat!.frame), plan.heartbeat.everyMs);
    });
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        if (args.flags.has('raw')) out.raw(data);
        else out.line(`<binary ${data.length} bytes>`);
      } else {
        const text = data.toString('utf8');
        if (plan.isHeartbeat?.(text, ws)) return;
        out.line(text);
      }
      received += 1;
      if (count !== undefined && received >= count) finish(null);
    });
    ws.on('close', (code, reason) => {
      if (done) return;
      const why = `the server closed the connection: ${code}${reason.length ? ` ${reason.toString()}` : ''}`;
      if (count === undefined && (code === 1000 || code === 1001)) {
        out.note(why);
        finish(null);
      } else finish(new CliError(why, Exit.failure));
    });
  });
}

