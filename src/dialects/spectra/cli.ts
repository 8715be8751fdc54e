/** `streamhub subscribe spectra:<groupCode>`: an overlay client of the spectra output port (Socket.IO). */
import { io } from 'socket.io-client';
import { CliError, Exit, flag, intFlag } from '../../cli/args.js';
import type { CliSubscribeRequest } from '../types.js';
import type { SubscribeOutput as Output } from '../../cli/io.js';

export interface SpectraOptions {
  readonly url: string;
  readonly groupCode: string;
  readonly count: number | undefined;
  readonly timeoutMs: number | undefined;
  readonly tls: { readonly ca?: Buffer; readonly rejectUnauthorized: boolean };
  readonly out: Output;
  readonly signal: AbortSignal;
}

/** Prints every event the room receives as `<event> <payload>`; payloads are JSON strings on this wire (notes §4). */
export function subscribeSpectra(o: SpectraOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = io(o.url, {
      transports: ['websocket'],
      reconnection: false,
      timeout: 10_000,
      rejectUnauthorized: o.tls.rejectUnauthorized,
      ...(o.tls.ca ? { ca: o.tls.ca.toString('utf8') } : {}),
    });
    let received = 0;
    let done = false;
    const timer = o.timeoutMs ? setTimeout(() => finish(new CliError(`${received} of ${o.count ?? 'any'} messages within ${o.timeoutMs} ms`, Exit.failure)), o.timeoutMs) : null;
    const onAbort = () => finish(null);
    o.signal.addEventListener('abort', onAbort, { once: true });
    function finish(err: Error | null) {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      socket.close();
      if (err) reject(err);
      else resolve();
    }
    socket.on('connect', () => socket.emit('logon', JSON.stringify({ groupCode: o.groupCode })));
    socket.on('connect_error', (err) => finish(new CliError(`cannot connect to ${o.url}: ${err.message}`, Exit.failure)));
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return;
      if (o.count === undefined) {
        o.out.note(`disconnected: ${reason}`);
        finish(null);
      } else finish(new CliError(`disconnected: ${reason}`, Exit.failure));
    });
    socket.onAny((event: string, ...payload: unknown[]) => {
      const text = payload.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
      o.out.line(`${event} ${text}`);
      received += 1;
      if (o.count !== undefined && received >= o.count) finish(null);
    });
  });
}

/** `streamhub subscribe spectra:<groupCode>`: joins the group's room on the output port (spectra.outputPort, 5200). */
export function subscribeSpectraGroup(request: CliSubscribeRequest): Promise<void> {
  const { args, target, name, out, signal } = request;
  const url = flag(args, 'stream-url') ?? `${target.secure ? 'https' : 'http'}://${target.host}:${target.config.spectra.outputPort}`;
  return subscribeSpectra({ url, groupCode: name, count: intFlag(args, 'count'), timeoutMs: intFlag(args, 'timeout'), tls: target.tls, out, signal });
}
