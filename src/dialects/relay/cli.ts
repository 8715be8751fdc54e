/**
 * `streamhub relay-publish` and `streamhub relay-receive`: a relay (seed 002) publisher that pushes
 * a file or standard input (an ffmpeg pipe) as binary chunks, and a receiver that writes a
 * channel's chunks to a file or standard output, unchanged.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import WebSocket from 'ws';
import { CliError, Exit, flag, intFlag, type ParsedArgs } from '../../cli/args.js';
import type { CliStreams } from '../../cli/io.js';
import type { Target } from '../../cli/target.js';
import { subscribeOverWebSocket } from '../../cli/ws-subscribe.js';
import type { CliSubscribeRequest } from '../types.js';

/** Default largest chunk per binary message (the issue: 64 KiB). */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
/** seed 002 §Heartbeat: a text `h` every 20 s keeps the relay's 60 s idle deadline away while the input is quiet. */
const HEARTBEAT_MS = 20_000;
/** Largest frame accepted from the relay (its maxChunkBytes default, 64 MiB). */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Above this many unsent bytes, the publisher stops reading its input (TCP backpressure reaches ffmpeg). */
const SEND_HIGH_WATER = 1024 * 1024;
/** Relay ids: notes §3.2. */
const ID = /^[A-Za-z0-9_-]{1,128}$/;


/** `ws://host:port/<channel>/<key>/<kind>` from the config (relay.port), `--host`, `--tls` or `--stream-url` (a base). */
export function relayUrl(args: ParsedArgs, target: Target, kind: string): { url: string; shown: string } {
  const [channel, key] = args.positionals;
  if (!channel || !key) throw new CliError(`relay-${kind === 'publish' ? 'publish' : 'receive'} needs <channel> <key>`, Exit.usage);
  if (!ID.test(channel)) throw new CliError(`the channel must match [A-Za-z0-9_-]{1,128}, got "${channel}"`, Exit.usage);
  if (!ID.test(key)) throw new CliError('the key must match [A-Za-z0-9_-]{1,128}', Exit.usage);
  const base = (flag(args, 'stream-url') ?? `${target.secure ? 'wss' : 'ws'}://${target.host}:${target.config.relay.port}`).replace(/\/+$/, '');
  if (!/^wss?:\/\/[^/]+$/.test(base)) throw new CliError(`--stream-url must be ws(s)://host:port, got "${base}"`, Exit.usage);
  // The key is a secret: never shown in messages.
  return { url: `${base}/${channel}/${key}/${kind}`, shown: `${base}/${channel}/***/${kind}` };
}

/** Opens the socket; refusals map to the CLI's exit codes (404 → 4, 403 → 3, others → 1). */
function open(url: string, shown: string, target: Target, onMessage?: (data: Buffer, isBinary: boolean) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ...target.tls, maxPayload: MAX_FRAME_BYTES, handshakeTimeout: 10_000, perMessageDeflate: false });
    // Listening before 'open' resolves: frames that arrive with the upgrade response are not lost.
    if (onMessage) ws.on('message', onMessage);
    ws.once('open', () => {
      ws.removeAllListeners('error');
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body = (body + c.toString()).slice(0, 300)));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const exit = status === 404 ? Exit.notFound : status === 403 ? Exit.auth : Exit.failure;
        reject(new CliError(`${shown} refused: HTTP ${status}${body ? ` ${body.trim()}` : ''}`, exit));
      });
    });
    ws.once('error', (err) => reject(new CliError(`cannot connect to ${shown}: ${err.message}`, Exit.failure)));
  });
}

function closeError(code: number, reason: Buffer): CliError {
  return new CliError(`the relay closed the connection: ${code}${reason.length ? ` ${reason.toString()}` : ''}`, Exit.failure);
}

/** Publishes the input (a file, or standard input for none or "-") in chunks of at most `--chunk-size` bytes. */
export async function relayPublish(args: ParsedArgs, target: Target, io: CliStreams, signal: AbortSignal): Promise<void> {
  const chunkBytes = intFlag(args, 'chunk-size') ?? DEFAULT_CHUNK_BYTES;
  if (args.positionals.length > 3) throw new CliError('relay-publish takes <channel> <key> [file]', Exit.usage);
  const { url, shown } = relayUrl(args, target, 'publish');
  const file = args.positionals[2];
  const fromStdin = file === undefined || file === '-';
  const input: Readable = fromStdin ? io.stdin : createReadStream(file, { highWaterMark: chunkBytes });
  // A missing file is a usage error found before connecting, so no publish starts for nothing.
  if (!fromStdin) {
    try {
      await once(input, 'readable');
    } catch (err) {
      throw new CliError(`cannot read ${file}: ${(err as Error).message}`, Exit.usage);
    }
  }
  const ws = await open(url, shown, target);
  let failure: CliError | null = null;
  let ending = false;
  const closed = new Promise<void>((resolve) =>
    ws.once('close', (code, reason) => {
      // Even after our own close, a code other than 1000 is the relay's verdict (e.g. 1009 on a chunk it refused).
      if (!signal.aborted && (!ending || code !== 1000)) failure ??= closeError(code, reason);
      input.destroy();
      resolve();
    }),
  );
  const heartbeat = setInterval(() => ws.send('h'), HEARTBEAT_MS);
  const onAbort = () => input.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  let bytes = 0;
  let chunks = 0;
  try {
    for await (const data of input) {
      const buf = data as Buffer;
      // Pipes deliver what is available: split, never merge, so a live stream is not held back.
      for (let at = 0; at < buf.length; at += chunkBytes) {
        if (ws.readyState !== WebSocket.OPEN) break;
        const piece = buf.subarray(at, at + chunkBytes);
        // The callback runs once the piece reached the socket (or failed): above the mark, wait for it.
        const written = new Promise<void>((r) => ws.send(piece, { binary: true }, () => r()));
        bytes += piece.length;
        chunks += 1;
        if (ws.bufferedAmount > SEND_HIGH_WATER) await written;
      }
      if (ws.readyState !== WebSocket.OPEN) break;
    }
  } catch (err) {
    if (!signal.aborted && !failure) failure = new CliError(`cannot read ${file ?? 'standard input'}: ${(err as Error).message}`, Exit.usage);
  } finally {
    clearInterval(heartbeat);
    signal.removeEventListener('abort', onAbort);
    ending = true;
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    await closed;
  }
  if (failure) throw failure;
  io.line(`published ${bytes} bytes in ${chunks} chunks to relay channel ${args.positionals[0]}`);
}

/**
 * Receives a channel (waiting for its publisher, as seed 002 receivers do) and writes every chunk to
 * `--out <file>` or standard output, until the publisher ends (close 1000) or SIGINT/SIGTERM.
 */
export async function relayReceive(args: ParsedArgs, target: Target, io: CliStreams, signal: AbortSignal): Promise<void> {
  if (args.positionals.length > 2) throw new CliError('relay-receive takes <channel> <key> (write to a file with --out <file>)', Exit.usage);
  const kind = args.flags.has('probe') ? 'probe' : 'receive';
  const { url, shown } = relayUrl(args, target, kind);
  const path = flag(args, 'out');
  const out: Writable = path === undefined || path === '-' ? io.stdout : createWriteStream(path);
  if (out !== io.stdout) {
    try {
      await once(out, 'open');
    } catch (err) {
      throw new CliError(`cannot write ${path}: ${(err as Error).message}`, Exit.usage);
    }
  }
  let failure: CliError | null = null;
  let bytes = 0;
  let ws: WebSocket | null = null;
  const onMessage = (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      const text = data.toString('utf8');
      // seed 002: `ERROR: Invalid streaming key`, then a close.
      if (text.startsWith('ERROR:')) failure ??= new CliError(`the relay refused the key: ${text}`, Exit.auth);
      return;
    }
    bytes += data.length;
    // A slow disk or pipe pauses the socket; the relay's bounded queue decides what happens next.
    if (!out.write(data) && ws) {
      const socket = ws;
      socket.pause();
      out.once('drain', () => socket.resume());
    }
  };
  try {
    ws = await open(url, shown, target, onMessage);
  } catch (err) {
    if (out !== io.stdout) out.end();
    throw err;
  }
  const socket = ws;
  const heartbeat = setInterval(() => socket.send('h'), HEARTBEAT_MS);
  const onAbort = () => socket.close(1000);
  signal.addEventListener('abort', onAbort, { once: true });
  const [code, reason] = (await once(socket, 'close')) as [number, Buffer];
  clearInterval(heartbeat);
  signal.removeEventListener('abort', onAbort);
  if (!failure && reason.toString() === 'invalid streaming key') failure = new CliError('the relay refused the key: ERROR: Invalid streaming key', Exit.auth);
  if (!failure && !signal.aborted && code !== 1000) failure = closeError(code, reason);
  if (out !== io.stdout) {
    out.end();
    await once(out, 'finish');
  }
  if (failure) throw failure;
  io.note(`received ${bytes} bytes from relay channel ${args.positionals[0]} (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
}

/** `streamhub subscribe relay:<channel> --key <key>`: a receiver of seed 002 (ws /<channel>/<key>/receive). */
export function subscribeRelay(request: CliSubscribeRequest): Promise<void> {
  const { args, target, name } = request;
  const override = flag(args, 'stream-url');
  const key = flag(args, 'key');
  if (!key && !override) throw new CliError('relay needs the stream key: --key <key>', Exit.usage);
  const url = override ?? `${target.secure ? 'wss' : 'ws'}://${target.host}:${target.config.relay.port}/${encodeURIComponent(name)}/${encodeURIComponent(key!)}/receive`;
  // seed 002: receivers send `h` so the relay's idle deadline never fires; the relay's `h` is not printed.
  return subscribeOverWebSocket(request, { url, heartbeat: { everyMs: HEARTBEAT_MS, frame: 'h' }, isHeartbeat: (text) => text === 'h' });
}
