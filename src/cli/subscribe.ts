/**
 * `streamhub subscribe <dialect>:<name>`: prints a channel's messages, one per line, as a real
 * client of the dialect: match, nova, relay and elstat over WebSocket, spectra over Socket.IO.
 */
import WebSocket from 'ws';
import { CliError, Exit, flag, intFlag, type ParsedArgs } from './args.js';
import { subscribeSpectra } from './subscribe-spectra.js';
import type { Target } from './target.js';

/** Largest frame accepted from the server (a relay chunk can be large). */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** seed 002: receivers send `h` so the relay's idle deadline never fires. */
const RELAY_HEARTBEAT_MS = 20_000;

export interface Output {
  line(text: string): void;
  raw(bytes: Buffer): void;
  note(text: string): void;
}

export function splitChannel(channel: string | undefined): { dialect: string; name: string } {
  const m = /^([a-z]+):(.+)$/.exec(channel ?? '');
  if (!m) throw new CliError(`subscribe needs "<dialect>:<name>", got "${channel ?? ''}"`, Exit.usage);
  return { dialect: m[1]!, name: m[2]! };
}

export async function subscribe(args: ParsedArgs, target: Target, out: Output, signal: AbortSignal): Promise<void> {
  const { dialect, name } = splitChannel(args.positionals[0]);
  const count = intFlag(args, 'count');
  const timeoutMs = intFlag(args, 'timeout');
  if (dialect === 'spectra') {
    const port = target.config.spectra.outputPort;
    const url = flag(args, 'stream-url') ?? `${target.secure ? 'https' : 'http'}://${target.host}:${port}`;
    return subscribeSpectra({ url, groupCode: name, count, timeoutMs, tls: target.tls, out, signal });
  }
  const { url, onOpen } = wsTarget(dialect, name, args, target);
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
      onOpen?.(ws);
      if (dialect === 'relay') heartbeat = setInterval(() => ws.send('h'), RELAY_HEARTBEAT_MS);
    });
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        if (args.flags.has('raw')) out.raw(data);
        else out.line(`<binary ${data.length} bytes>`);
      } else {
        const text = data.toString('utf8');
        if (isHeartbeat(dialect, text, ws)) return;
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

function wsTarget(dialect: string, name: string, args: ParsedArgs, target: Target): { url: string; onOpen?: (ws: WebSocket) => void } {
  const scheme = target.secure ? 'wss' : 'ws';
  const base = (port: number) => `${scheme}://${target.host}:${port}`;
  const override = flag(args, 'stream-url');
  const c = target.config;
  switch (dialect) {
    case 'match':
      return { url: override ?? `${base(c.match.port)}/v1/match/${encodeURIComponent(name)}` };
    case 'nova': {
      const jwt = flag(args, 'jwt');
      if (!jwt && !override) throw new CliError('nova needs a viewer token: --jwt <token>', Exit.usage);
      return { url: override ?? `${base(c.nova.port)}/api/v1/streams/${encodeURIComponent(name)}/ws?token=${encodeURIComponent(jwt!)}` };
    }
    case 'relay': {
      const key = flag(args, 'key');
      if (!key && !override) throw new CliError('relay needs the stream key: --key <key>', Exit.usage);
      return { url: override ?? `${base(c.relay.port)}/${encodeURIComponent(name)}/${encodeURIComponent(key!)}/receive` };
    }
    case 'elstat':
      if (!/^(status|latency):./.test(name)) throw new CliError('elstat channels are "elstat:status:<service>" or "elstat:latency:<service>"', Exit.usage);
      // seed 004: subscribe with op 0 and the wire channel names.
      return { url: override ?? `${base(c.elstat.port)}/api/streaming`, onOpen: (ws) => ws.send(JSON.stringify({ op: 0, channels: [name] })) };
    default:
      throw new CliError(`unknown dialect "${dialect}" (match, nova, relay, elstat, spectra)`, Exit.usage);
  }
}

/** Liveness traffic: answered (nova ping → pong) or skipped, never printed. */
function isHeartbeat(dialect: string, text: string, ws: WebSocket): boolean {
  if (dialect === 'relay') return text === 'h';
  if (dialect === 'match') return text.includes('"x_keepalive"') && /"type"\s*:\s*"x_keepalive"/.test(text);
  if (dialect === 'nova' && text.includes('"ping"')) {
    try {
      const msg = JSON.parse(text) as { event?: string; data?: { sequence?: unknown } };
      if (msg.event !== 'ping') return false;
      // seed 001 §ping/pong: echo the sequence.
      ws.send(JSON.stringify({ event: 'pong', data: { sequence: msg.data?.sequence ?? null, timestamp: new Date().toISOString() } }));
      return true;
    } catch {
      return false;
    }
  }
  return false;
}
