/**
 * A fast match producer and a counting renderer (issue 15 item 2): the producer sends one state
 * frame per WebSocket message (seed 000, notes §1.3 "Upstream ingest") at a steady rate, `t` being
 * its sequence number; the renderer accounts for every `t` it gets (lost, duplicated, reordered).
 */
import type { RecordingClient } from '../helpers/ws-client.js';
import { connect } from '../helpers/ws-client.js';
import { matchInit, state } from '../match/fixtures.js';

export const INGEST_TOKEN = 'backpressure-ingest-token';

/**
 * Tight in-flight bounds, so that the gate pauses and resumes the producer's socket many times
 * within 5 s on any broker; the bounds' defaults are larger (PROTOCOL.md §4).
 */
export const TIGHT_INGEST = { token: INGEST_TOKEN, maxInflight: 64, maxInflightBytes: 16 * 1024 };

/** A renderer queue that can never drop: any loss at the renderer is then the server's, never the test's. */
export const LOSSLESS_QUEUE = { maxMessages: 200_000, maxBytes: 512 * 1024 * 1024, overflow: 'close', stallTimeoutMs: 0 };

export interface Account {
  readonly received: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly reordered: number;
}

/** Every `t` in 0..total-1 is expected exactly once, in order. */
export function account(times: readonly number[], total: number): Account {
  const seen = new Set<number>();
  let duplicated = 0;
  let reordered = 0;
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    if (seen.has(t)) duplicated += 1;
    seen.add(t);
    if (i > 0 && t < times[i - 1]!) reordered += 1;
  }
  let lost = 0;
  for (let t = 0; t < total; t++) if (!seen.has(t)) lost += 1;
  return { received: times.length, lost, duplicated, reordered };
}

export interface FastProducer {
  readonly client: RecordingClient;
  /** Resolves when every frame has been handed to the socket (the paced run is over). */
  readonly sent: Promise<void>;
  /** Close codes seen on the producer's connection (none expected). */
  readonly closes: { code: number; reason: string }[];
}

/** Opens the producer, sends the match's init, and waits until newcomers can join (the snapshot exists). */
export async function openProducer(base: string, matchId: string, hasSnapshot: () => Promise<boolean>): Promise<RecordingClient> {
  const client = await connect(`${base}/v1/ingest?token=${INGEST_TOKEN}`);
  client.ws.send(JSON.stringify(matchInit(matchId)));
  const deadline = Date.now() + 15_000;
  while (!(await hasSnapshot())) {
    if (Date.now() > deadline) throw new Error('the MatchInit was never published');
    await new Promise((r) => setTimeout(r, 20));
  }
  return client;
}

/**
 * Sends `total` state frames at `perSecond`, paced by the elapsed time (each 5 ms tick sends what
 * is due), whatever the server does meanwhile: a paused server makes the producer's socket buffer.
 */
export function runProducer(client: RecordingClient, total: number, perSecond: number): FastProducer {
  const closes: { code: number; reason: string }[] = [];
  void client.closed.then((c) => closes.push(c));
  const start = Date.now();
  let next = 0;
  const sent = new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((Date.now() - start) * perSecond) / 1000));
      while (next < due && client.ws.readyState === client.ws.OPEN) client.ws.send(JSON.stringify(state(next++)));
      if (next >= total || client.ws.readyState !== client.ws.OPEN) resolve();
      else setTimeout(tick, 5);
    };
    tick();
  });
  return { client, sent, closes };
}

/**
 * Waits until the renderer has `total` state frames, or either connection closed (nothing more can
 * come), or `timeoutMs`; the caller then accounts for what arrived.
 */
export async function drained(renderer: RecordingClient, producer: RecordingClient, total: number, timeoutMs: number): Promise<void> {
  // Counted incrementally: rescanning every message on every message would be quadratic.
  let scanned = 0;
  let states = 0;
  const over = (): boolean => {
    for (; scanned < renderer.messages.length; scanned++) if ((renderer.messages[scanned] as { type?: unknown }).type === 'state') states += 1;
    return states >= total || renderer.ws.readyState !== renderer.ws.OPEN;
  };
  const producerGone = producer.closed.then(() => new Promise((r) => setTimeout(r, 1_000))); // what it published still arrives
  await Promise.race([renderer.until(over, timeoutMs).catch(() => undefined), producerGone]);
}
