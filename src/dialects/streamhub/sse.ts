/**
 * The Server-Sent Events transport (PROTOCOL.md §16): the same subscriptions, replay rule and
 * publication frames as the WebSocket, as W3C EventSource events; resume by `Last-Event-ID` or the
 * `since` query parameter; heartbeat comments; ended at token `exp`, on overflow and at shutdown.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloseReason, Message, StreamPosition } from '../../core/index.js';
import type { Identity } from './auth.js';
import { encodePub, encodeSubscribed, isValidChannel } from './codec.js';
import type { SessionHost } from './commands.js';
import { deadlineAt, type Deadline } from './deadline.js';
import { Permission } from './grants.js';
import type { PubBatch } from './pub-batch.js';
import { ChannelSubscription, type OutFrame, type SubscriptionOutput } from './subscription.js';

export interface SseRequest {
  readonly channel: string;
  readonly since?: StreamPosition;
}

/** `<epoch>:<offset>`, split at the last `:`; null when malformed. */
export function parsePosition(text: string): StreamPosition | null {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  const offset = Number(text.slice(colon + 1));
  if (!Number.isSafeInteger(offset) || offset < 0) return null;
  return { epoch: text.slice(0, colon), offset };
}

/**
 * The channels and resume positions of an SSE request, or the HTTP refusal. One channel: `since`
 * / Last-Event-ID are `<epoch>:<offset>`; several: `<channel>@<epoch>:<offset>` (space-joined in
 * the header).
 */
export function parseSseRequest(url: { readonly searchParams: URLSearchParams }, lastEventId: string | undefined, maxChannels: number, maxNameBytes: number): SseRequest[] | { error: string } {
  const channels = url.searchParams.getAll('channel');
  if (channels.length === 0 || channels.length > maxChannels) return { error: 'bad_channel' };
  if (new Set(channels).size !== channels.length || channels.some((c) => !isValidChannel(c, maxNameBytes))) return { error: 'bad_channel' };
  const positions = new Map<string, StreamPosition>();
  const given = [...url.searchParams.getAll('since'), ...(lastEventId ? lastEventId.split(' ') : [])];
  for (const item of given) {
    if (channels.length === 1) {
      const p = parsePosition(item);
      if (p) positions.set(channels[0]!, p);
      continue;
    }
    const at = item.lastIndexOf('@');
    const p = at > 0 ? parsePosition(item.slice(at + 1)) : null;
    if (p && channels.includes(item.slice(0, at))) positions.set(item.slice(0, at), p);
  }
  return channels.map((channel) => {
    const since = positions.get(channel);
    return since ? { channel, since } : { channel };
  });
}

const sseCache = new WeakMap<Message, string>();
/** The events of one shared hub batch for one-channel streams; held only while the batch is (pub-batch.ts). */
const sseBatchCache = new WeakMap<PubBatch, Buffer>();
const EMPTY = Buffer.alloc(0);

/** `data:` lines of a JSON frame: a frame holding newlines (a foreign JSON text) becomes several lines, which EventSource joins back. */
function dataLines(json: string): string {
  return json.includes('\n') || json.includes('\r') ? json.split(/\r\n|\r|\n/).map((l) => `data: ${l}\n`).join('') : `data: ${json}\n`;
}

/** One EventSource stream. */
export class SseStream implements SubscriptionOutput {
  readonly id: string;
  readonly #host: SessionHost;
  readonly #res: ServerResponse;
  readonly #subs = new Map<string, ChannelSubscription>();
  readonly #positions = new Map<string, StreamPosition>();
  readonly #multi: boolean;
  readonly #onEnded: (() => void)[] = [];
  #heartbeat: unknown = null;
  #expiry: Deadline | null = null;
  #waitingForDrain = false;
  #ended = false;

  constructor(host: SessionHost, req: IncomingMessage, res: ServerResponse, id: string, identity: Identity, channels: readonly SseRequest[]) {
    this.id = id;
    this.#host = host;
    this.#res = res;
    this.#multi = channels.length > 1;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      // nginx would otherwise buffer the stream (PROTOCOL.md §16).
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${host.settings.sse.retryMs}\n\n`);
    req.socket.setNoDelay(true);
    res.once('close', () => this.#end());
    this.#scheduleHeartbeat();
    if (identity.expiresAt !== null) this.#expiry = deadlineAt(host.clock, identity.expiresAt, () => this.end());
    void this.#start(channels);
  }

  async #start(channels: readonly SseRequest[]): Promise<void> {
    const { hub, queue } = this.#host;
    const started = channels.map((c) => {
      const sub = new ChannelSubscription(hub, queue, this, this.id, c.channel);
      this.#subs.set(c.channel, sub);
      return { c, sub, start: sub.start(c.since) };
    });
    for (const { c, sub, start } of started) {
      let result;
      try {
        result = await start;
      } catch {
        this.end();
        return;
      }
      if (this.#ended) return;
      this.#writeRaw(`event: subscribed\n${dataLines(encodeSubscribed(undefined, c.channel, result.recovered, result.position, []).toString('utf8'))}\n`);
      this.write(result.publications.map((msg) => ({ frame: EMPTY, msg })));
      // Volatile publications take offsets without being retained: the top may be past the last replayed one.
      if (result.position) this.#positions.set(c.channel, result.position);
      sub.goLive();
    }
  }

  /** SubscriptionOutput: pub and gap events. */
  write(frames: readonly OutFrame[]): boolean {
    if (this.#ended) return true;
    let text = '';
    for (const f of frames) {
      if (!f.msg) {
        text += `event: gap\n${dataLines(f.frame.toString('utf8'))}\n`;
        continue;
      }
      this.#positions.set(f.msg.channel, { offset: f.msg.offset, epoch: f.msg.epoch });
      text += `id: ${this.#eventId(f.msg)}\nevent: pub\n${this.#pubData(f.msg)}\n`;
    }
    return this.#writeRaw(text);
  }

  /**
   * SubscriptionOutput: a hub batch's pubs. A one-channel stream's events depend on the messages
   * only (`id: <epoch>:<offset>`), so every such stream of the channel writes the same bytes: they
   * are built once per shared batch (issue 19, "encode once"). A several-channel stream's ids carry
   * its own positions, so it writes each event itself.
   */
  writePubs(pubs: PubBatch): boolean {
    if (this.#multi) return this.write(pubs.messages.map((msg) => ({ frame: EMPTY, msg })));
    if (this.#ended) return true;
    const last = pubs.messages[pubs.messages.length - 1];
    if (last) this.#positions.set(last.channel, { offset: last.offset, epoch: last.epoch });
    let bytes = sseBatchCache.get(pubs);
    if (bytes === undefined) {
      let text = '';
      for (const msg of pubs.messages) text += `id: ${msg.epoch}:${msg.offset}\nevent: pub\n${this.#pubData(msg)}\n`;
      bytes = Buffer.from(text, 'utf8');
      sseBatchCache.set(pubs, bytes);
    }
    return this.#writeRaw(bytes);
  }

  /** SubscriptionOutput: the hub gave up on this stream (slow client); the browser reconnects with Last-Event-ID. */
  fail(_reason: CloseReason): void {
    this.end();
  }

  end(): void {
    if (this.#ended) return;
    this.#res.end();
    this.#end();
  }

  onEnded(fn: () => void): void {
    if (this.#ended) fn();
    else this.#onEnded.push(fn);
  }

  get subscriptions(): number {
    return this.#subs.size;
  }

  #eventId(msg: Message): string {
    if (!this.#multi) return `${msg.epoch}:${msg.offset}`;
    return [...this.#positions].map(([ch, p]) => `${ch}@${p.epoch}:${p.offset}`).join(' ');
  }

  #pubData(msg: Message): string {
    let data = sseCache.get(msg);
    if (data === undefined) {
      // The WebSocket frame of the same message, as SSE data lines (encoded once per message).
      data = dataLines(encodePub(msg).toString('utf8'));
      sseCache.set(msg, data);
    }
    return data;
  }

  #writeRaw(text: string | Buffer): boolean {
    if (this.#ended || text.length === 0) return true;
    this.#res.write(text);
    if (this.#res.writableLength < this.#host.settings.queue.highWaterMarkBytes) return true;
    if (!this.#waitingForDrain) {
      this.#waitingForDrain = true;
      this.#res.once('drain', () => {
        this.#waitingForDrain = false;
        for (const sub of this.#subs.values()) sub.resume();
      });
    }
    return false;
  }

  #scheduleHeartbeat(): void {
    this.#heartbeat = this.#host.clock.setTimeout(() => {
      if (this.#ended) return;
      this.#writeRaw(': hb\n\n');
      this.#scheduleHeartbeat();
    }, this.#host.settings.sse.heartbeatMs);
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const { clock } = this.#host;
    if (this.#heartbeat !== null) clock.clearTimeout(this.#heartbeat);
    this.#expiry?.cancel();
    for (const sub of this.#subs.values()) sub.stop();
    this.#subs.clear();
    for (const fn of this.#onEnded.splice(0)) fn();
  }
}

/** Every channel of an SSE request is granted `subscribe`. */
export function authorizeSse(identity: Identity, channels: readonly SseRequest[]): boolean {
  return channels.every((c) => identity.grants.allows(c.channel, Permission.subscribe));
}
