/**
 * The dialect contract suite (issue 16 step 5): the same scenarios run against every dialect, each
 * through a small adapter that knows how that dialect's real client connects, subscribes, is
 * refused and is closed (test/contract/adapters/<dialect>.ts). What each adapter expects is its
 * PROTOCOL.md, quoted there; the scenarios are DESIGN.md "Defaults that protect":
 *
 * - caps refusal: past the per-IP cap the next connection gets the dialect's specified refusal
 *   (an HTTP status before the upgrade, or the protocol's error frame and close code after it);
 * - an oversized and a malformed client frame get the dialect's specified answer, and a client
 *   beside the offender is unharmed ("a failure on one connection closes only that connection");
 * - a client that stops reading gets the dialect's named slow-consumer policy (drop-oldest with
 *   its notice, coalesce, or close with its code), and a reading client beside it gets everything;
 * - graceful shutdown ends each client as that dialect's real client needs to reconnect
 *   (PROTOCOL.md "Shutdown", issue 14);
 * - the operator's GET /metrics counts the connections, the refusal and the dialect's closes.
 *
 * Every node is a whole StreamHub (src/server.ts) with only the dialect under test and the
 * operator listener, on port 0. Real clients, real TCP; nothing is mocked.
 *
 * A known gap of one dialect (a scenario it fails today, with the reason) is declared in its
 * adapter's `knownGaps` and runs as `todo`: reported, never hidden, and it turns into a plain
 * pass once the dialect is fixed and the entry removed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { DIALECT_MODULES, type AnyDialectModule } from '../../src/dialects/index.js';
import { silentLogger } from '../../src/log.js';
import { startStreamHub, type StreamHub } from '../../src/server.js';
import { eventually } from '../helpers/eventually.js';

/** How a client's connection ended: the WebSocket close code (1006: no close frame), or socket.io's disconnect reason. */
export interface ClientEnd {
  readonly code: number | null;
  readonly reason: string;
}

/** What an end must look like; fields left out are not checked. */
export interface ExpectedEnd {
  readonly code?: number;
  readonly reason?: string;
  /** A protocol notice the client must have got before the end (e.g. nova's `error {PROTOCOL_ERROR}` before 1003). */
  readonly notice?: (notice: unknown) => boolean;
}

/** What a connection past the cap got. */
export type Refusal =
  /** Refused before the upgrade. */
  | { readonly kind: 'http'; readonly status: number; readonly body?: string; readonly bodyIncludes?: string }
  /** Upgraded, then the protocol's error frame (if any) and close. */
  | { readonly kind: 'close'; readonly code: number; readonly reason?: string; readonly frame?: unknown }
  /** socket.io: `connect_error` with this message. */
  | { readonly kind: 'connect_error'; readonly message: string };

/** One real client of the dialect, subscribed to the suite's channel. */
export interface ContractClient {
  /** Indices of the suite's published messages, in the order received (replays included). */
  readonly received: readonly number[];
  /** Protocol notices the adapter recognised (e.g. nova's BUFFER_OVERFLOW error), in order. */
  readonly notices: readonly unknown[];
  /** Resolves once the connection has ended. */
  readonly ended: Promise<ClientEnd>;
  /** True until the connection ends. */
  readonly open: boolean;
  /** Resolves once `predicate` holds, checked on every message and at the end; rejects after `timeoutMs`. */
  until(predicate: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Stops reading the socket (the kernel buffers fill, then the server's). */
  pause(): void;
  resume(): void;
  /** Sends one frame just over the dialect's inbound limit. */
  sendOversized(): void;
  /** Sends one frame the dialect cannot parse. */
  sendMalformed(): void;
  /**
   * Resolves once the server has handled every frame this client sent before (a WebSocket ping
   * answered: frames are handled in order), or the connection ended. Absent where the protocol
   * has no client-initiated answer (Socket.IO 4).
   */
  roundTrip?(): Promise<void>;
  /** Closes from the client side (cleanup). */
  close(): void;
}

/** The running node a scenario talks to. */
export interface ContractNode {
  readonly hub: StreamHub;
  /** Port of the dialect's named listener (its first when no name is given). */
  port(listener?: string): number;
}

/** What the dialect does with a client that stops reading. */
export type SlowConsumerPolicy =
  /** The oldest queued messages go; the client catches up to the newest. `notice` recognises the protocol's drop notice, when it has one. */
  | { readonly policy: 'drop-oldest'; readonly notice: ((notice: unknown) => boolean) | null }
  /** Only the newest state per channel is kept. */
  | { readonly policy: 'coalesce' }
  /** The client is closed; `end` is what it sees once it reads again. */
  | { readonly policy: 'close'; readonly end: ExpectedEnd };

export type ScenarioName =
  | 'caps refusal'
  | 'oversized frame'
  | 'malformed frame'
  | 'slow consumer'
  | 'graceful shutdown'
  | 'metrics: connections'
  | 'metrics: refusal'
  | 'metrics: close';

export interface DialectAdapter {
  /** The dialect's name: its config section and its metrics label. */
  readonly dialect: string;
  /** The node's dialect list when it is not the registry's (the test-only dialect: `[...DIALECT_MODULES, echoModule]`). */
  readonly modules?: readonly AnyDialectModule[];
  /** The dialect's config section for every scenario: listeners on port 0, small caps, queues and grace timers. */
  readonly settings: Record<string, unknown>;
  /** `server.*` settings the dialect needs besides the suite's. */
  readonly server?: Record<string, unknown>;
  /** How many of the suite's clients one address may open (the per-IP cap, less what `prepare` holds). */
  readonly capacity: number;
  /** Makes the channel exist (a MatchInit, a live stream, a publisher…). */
  prepare(node: ContractNode, channel: string): Promise<void>;
  /** A real client, subscribed to `channel` and past the dialect's connect sequence. */
  connect(node: ContractNode, channel: string): Promise<ContractClient>;
  /** A connection expected to be refused: what it got. */
  attempt(node: ContractNode, channel: string): Promise<Refusal>;
  /** A producer publishes message `index` on `channel`, padded with about `padBytes` bytes. */
  publish(node: ContractNode, channel: string, index: number, padBytes: number): Promise<void>;
  /** Releases what `prepare` opened (before the node closes). */
  release?(): void;
  /** The refusal PROTOCOL.md specifies for the per-IP cap. */
  readonly refusal: Refusal;
  /** The end of a client that sent an oversized frame, or 'ignored' (the connection goes on). */
  readonly oversized: ExpectedEnd | 'ignored';
  /** The end of a client that sent a malformed frame, or 'ignored' (the connection goes on). */
  readonly malformed: ExpectedEnd | 'ignored';
  readonly slowConsumer: SlowConsumerPolicy;
  /** How a graceful shutdown ends the client. */
  readonly shutdown: ExpectedEnd;
  /** The real client's reconnect rule (issue 14): does it come back after a connection that ended like this? */
  reconnectsAfter(end: ClientEnd): boolean;
  /** The close code (or HTTP status) under which /metrics counts the refusal and the oversized-frame close. */
  readonly countedCodes: { readonly refusal: number | string; readonly close: number | string };
  /**
   * For a dialect whose cut of a slow client shows nowhere on the server before the client reads
   * again (spectra: Socket.IO waits for its buffer to drain before it closes the transport): how
   * many filler messages to publish instead of waiting for a sign that the server fell behind.
   */
  readonly slowFillBudget?: number;
  /** Scenarios this dialect fails today, with why (they run as `todo`). */
  readonly knownGaps?: Partial<Record<ScenarioName, string>>;
}

/** The suite's settings: bounds of the slow-consumer scenario. */
const SLOW = {
  /** Payload bytes of each filler message: a few hundred fill the loopback kernel buffers. */
  padBytes: 16 * 1024,
  /** Most filler messages before the server must have fallen behind for the slow client. */
  maxFill: 2_000,
  /** Messages published once it has, past any queue bound the adapters set. */
  extra: 200,
};

const CHANNEL = 'contract';

/** `bytes` characters that no permessage-deflate shrinks (spectra compresses), so the filler really fills the socket. */
export function padding(bytes: number): string {
  return randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64').slice(0, bytes);
}

/** A StreamHub with only `adapter.dialect` enabled, the operator listener on, every port 0. */
export async function startContractNode(adapter: DialectAdapter): Promise<ContractNode> {
  const modules = adapter.modules;
  const names = modules ? modules.map((m) => m.name) : DIALECT_MODULES.map((m) => m.name);
  const base: Record<string, unknown> = {
    server: { host: '127.0.0.1', demo: false, shutdownDrainWindowMs: 0, shutdownDeadlineMs: 5_000, ...adapter.server },
    operator: { port: 0 },
  };
  for (const name of names) base[name] = name === adapter.dialect ? adapter.settings : { enabled: false };
  const config = parseConfig({ base, ...(modules ? { modules } : {}) });
  const hub = await startStreamHub(config, { log: silentLogger, ...(modules ? { modules } : {}) });
  return {
    hub,
    port(listener) {
      const list = hub.addresses[adapter.dialect] ?? [];
      const found = listener ? list.find((a) => a.name === listener) : list[0];
      if (!found) throw new Error(`no ${adapter.dialect} listener ${listener ?? ''}`);
      return found.port;
    },
  };
}

/** `GET /metrics` on the node's operator listener: `name{labels}` → value. */
export async function scrape(node: ContractNode): Promise<Map<string, number>> {
  const port = node.hub.addresses.operator?.[0]?.port;
  assert.ok(port, 'the operator listener is on');
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  return parse(await res.text());
}

/** A sample of one metric for the dialect, e.g. `metric(samples, 'streamhub_connections', {dialect})`. */
function metric(samples: Map<string, number>, name: string, labels: Record<string, string>): number {
  const key = `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
  return samples.get(key) ?? 0;
}

function assertEnd(end: ClientEnd, expected: ExpectedEnd, what: string, client?: ContractClient): void {
  if (expected.notice && client) assert.ok(client.notices.some(expected.notice), `${what}: the protocol notice before the close (got ${JSON.stringify(client.notices)})`);
  if (expected.code !== undefined) assert.equal(end.code, expected.code, `${what}: close code (reason ${JSON.stringify(end.reason)})`);
  if (expected.reason !== undefined) assert.equal(end.reason, expected.reason, `${what}: reason`);
}

function assertRefusal(got: Refusal, expected: Refusal): void {
  assert.equal(got.kind, expected.kind, `refused as ${JSON.stringify(got)}`);
  if (expected.kind === 'http' && got.kind === 'http') {
    assert.equal(got.status, expected.status);
    if (expected.body !== undefined) assert.equal(got.body, expected.body);
    if (expected.bodyIncludes !== undefined) assert.ok(got.body?.includes(expected.bodyIncludes), `body ${JSON.stringify(got.body)}`);
  }
  if (expected.kind === 'close' && got.kind === 'close') {
    assert.equal(got.code, expected.code);
    if (expected.reason !== undefined) assert.equal(got.reason, expected.reason);
    if (expected.frame !== undefined) assert.deepEqual(got.frame, expected.frame);
  }
  if (expected.kind === 'connect_error' && got.kind === 'connect_error') assert.equal(got.message, expected.message);
}

/** Waits until every client has received message `index`. */
async function allReceive(clients: readonly ContractClient[], index: number, what: string): Promise<void> {
  await Promise.all(clients.map((c) => c.until(() => c.received.includes(index), what, 15_000)));
}

/** Each index of `indices` was received, and in that order (replayed copies before them aside). */
function assertGotInOrder(client: ContractClient, indices: readonly number[], what: string): void {
  let at = -1;
  for (const i of indices) {
    const next = client.received.indexOf(i, at + 1);
    assert.ok(next > at, `${what}: message ${i} missing or out of order (got ${client.received.length} messages)`);
    at = next;
  }
}

/** Runs `body` on a fresh node, releasing clients and node whatever happens. */
async function onNode(adapter: DialectAdapter, body: (node: ContractNode, clients: ContractClient[]) => Promise<void>): Promise<void> {
  const node = await startContractNode(adapter);
  const clients: ContractClient[] = [];
  try {
    await adapter.prepare(node, CHANNEL);
    await body(node, clients);
  } finally {
    for (const c of clients) c.close();
    adapter.release?.();
    await node.hub.close();
  }
}

/**
 * One client sends a bad frame (`offend`) beside a bystander: it ends as `expected`, or goes on
 * ('ignored'); the bystander is unharmed either way ("a failure on one connection closes only
 * that connection").
 */
function offenderScenario(adapter: DialectAdapter, offend: (c: ContractClient) => void, expected: ExpectedEnd | 'ignored'): Promise<void> {
  return onNode(adapter, async (node, clients) => {
    const offender = await adapter.connect(node, CHANNEL);
    const bystander = await adapter.connect(node, CHANNEL);
    clients.push(offender, bystander);
    offend(offender);
    await offender.roundTrip?.();
    if (expected === 'ignored') {
      // PROTOCOL.md: ignored, never answered, never closed: the offender goes on receiving.
      assert.ok(offender.open, 'the frame was ignored, not answered with a close');
    } else {
      assertEnd(await offender.ended, expected, 'the offender', offender);
    }
    await adapter.publish(node, CHANNEL, 1, 0);
    await allReceive(expected === 'ignored' ? [offender, bystander] : [bystander], 1, 'a live message after the bad frame');
    if (expected === 'ignored') assert.ok(offender.open, 'the offender is still connected');
    assert.ok(bystander.open, 'the bystander is still connected');
  });
}

/** Declares the suite for one dialect (call it at the top level of a `*.contract.test.ts`). */
export function dialectContract(adapter: DialectAdapter): void {
  const gap = (name: ScenarioName) => adapter.knownGaps?.[name];
  const scenario = (name: ScenarioName, body: () => Promise<void>) => {
    const todo = gap(name);
    it(name, todo ? { todo, timeout: 90_000 } : { timeout: 90_000 }, body);
  };

  describe(`dialect contract: ${adapter.dialect}`, () => {
    scenario('caps refusal', () =>
      onNode(adapter, async (node, clients) => {
        for (let i = 0; i < adapter.capacity; i++) clients.push(await adapter.connect(node, CHANNEL));
        assertRefusal(await adapter.attempt(node, CHANNEL), adapter.refusal);
        // The clients inside the cap are unharmed and live.
        await adapter.publish(node, CHANNEL, 1, 0);
        await allReceive(clients, 1, 'every client inside the cap to get a live message');
        assert.ok(clients.every((c) => c.open));
      }),
    );

    scenario('oversized frame', () => offenderScenario(adapter, (c) => c.sendOversized(), adapter.oversized));

    scenario('malformed frame', () => offenderScenario(adapter, (c) => c.sendMalformed(), adapter.malformed));

    scenario('slow consumer', () =>
      onNode(adapter, async (node, clients) => {
        const healthy = await adapter.connect(node, CHANNEL);
        const slow = await adapter.connect(node, CHANNEL);
        clients.push(healthy, slow);
        const connected = node.hub.dialects.get(adapter.dialect)!.stats().connections;
        slow.pause();
        const policy = adapter.slowConsumer;
        // The server has fallen behind for the slow client: the hub queues for it, or (close
        // policy) the dialect has already let it go.
        const behind = () => {
          const hub = node.hub.hub.stats();
          if (policy.policy !== 'close') return hub.queuedMessages > 0;
          return hub.overflowCloses + hub.stallCloses > 0 || node.hub.dialects.get(adapter.dialect)!.stats().connections < connected;
        };
        const published: number[] = [];
        let index = 100;
        const publishOne = async () => {
          index += 1;
          await adapter.publish(node, CHANNEL, index, SLOW.padBytes);
          published.push(index);
          // Paced by the reading client, so that no throttle merges two messages on the way.
          await allReceive([healthy], index, `the reading client to get message ${index}`);
        };
        if (adapter.slowFillBudget !== undefined) {
          while (published.length < adapter.slowFillBudget) await publishOne();
        } else {
          while (!behind() && published.length < SLOW.maxFill) await publishOne();
          assert.ok(behind(), `the server never fell behind for the paused client after ${published.length} messages`);
          for (let i = 0; i < SLOW.extra; i++) await publishOne();
        }
        assertGotInOrder(healthy, published, 'the reading client');
        assert.ok(healthy.open, 'the reading client is still connected');

        slow.resume();
        if (policy.policy === 'close') {
          assertEnd(await slow.ended, policy.end, 'the slow client', slow);
          const samples = await scrape(node);
          const code = policy.end.code;
          // The hub's own closes (queue overflow, stall) are counted by code.
          if (code !== undefined && node.hub.hub.stats().overflowCloses + node.hub.hub.stats().stallCloses > 0) assert.ok(metric(samples, 'streamhub_hub_closes_total', { dialect: adapter.dialect, code: String(code) }) >= 1, 'the close is counted');
        } else {
          const last = published.at(-1)!;
          await allReceive([slow], last, 'the slow client to catch up to the newest message');
          const got = published.filter((i) => slow.received.includes(i));
          assert.ok(got.length < published.length, `the slow client got ${got.length} of ${published.length}: something was dropped`);
          assert.deepEqual(got, [...got].sort((a, b) => a - b), 'what it got is in order');
          if (policy.policy === 'drop-oldest') {
            // Drop-oldest keeps the newest: what arrived after the gap is one run up to the last.
            const firstDropped = published.find((i) => !slow.received.includes(i))!;
            const tail = got.filter((i) => i > firstDropped);
            assert.deepEqual(tail, published.slice(published.indexOf(tail[0]!)), 'after the gap, everything up to the newest');
            if (policy.notice) assert.equal(slow.notices.filter(policy.notice).length, 1, 'one protocol drop notice was sent');
          }
          assert.ok(slow.open, 'the slow client is still connected');
        }
      }),
    );

    scenario('graceful shutdown', async () => {
      const node = await startContractNode(adapter);
      const clients: ContractClient[] = [];
      try {
        await adapter.prepare(node, CHANNEL);
        for (let i = 0; i < Math.min(2, adapter.capacity); i++) clients.push(await adapter.connect(node, CHANNEL));
        adapter.release?.();
        await node.hub.close();
        for (const c of clients) {
          const end = await c.ended;
          assertEnd(end, adapter.shutdown, 'a client at shutdown', c);
          assert.ok(adapter.reconnectsAfter(end), `the real client reconnects after ${JSON.stringify(end)}`);
        }
        const samples = await scrape(node).catch(() => null);
        // The operator listener is closed by now; the registry still answers in process.
        const text = samples ?? parse(await node.hub.metrics.render());
        assert.equal(metric(text, 'streamhub_connections', { dialect: adapter.dialect }), 0, 'no connection left');
      } finally {
        for (const c of clients) c.close();
        await node.hub.close();
      }
    });

    scenario('metrics: connections', () =>
      onNode(adapter, async (node, clients) => {
        const before = metric(await scrape(node), 'streamhub_connections', { dialect: adapter.dialect });
        for (let i = 0; i < Math.min(2, adapter.capacity); i++) clients.push(await adapter.connect(node, CHANNEL));
        const opened = clients.length;
        await eventually(async () => metric(await scrape(node), 'streamhub_connections', { dialect: adapter.dialect }) === before + opened, 'the connections counted');
        for (const c of clients.splice(0)) {
          c.close();
          await c.ended;
        }
        await eventually(async () => metric(await scrape(node), 'streamhub_connections', { dialect: adapter.dialect }) === before, 'the closed connections no longer counted');
      }),
    );

    scenario('metrics: refusal', () =>
      onNode(adapter, async (node, clients) => {
        for (let i = 0; i < adapter.capacity; i++) clients.push(await adapter.connect(node, CHANNEL));
        await adapter.attempt(node, CHANNEL);
        const code = String(adapter.countedCodes.refusal);
        await eventually(
          async () => metric(await scrape(node), 'streamhub_connection_closes_total', { dialect: adapter.dialect, code }) === 1,
          `streamhub_connection_closes_total{dialect="${adapter.dialect}",code="${code}"} to count the refusal`,
          2_000,
        );
      }),
    );

    scenario('metrics: close', () =>
      onNode(adapter, async (node, clients) => {
        const offender = await adapter.connect(node, CHANNEL);
        clients.push(offender);
        offender.sendOversized();
        await offender.ended;
        const code = String(adapter.countedCodes.close);
        await eventually(
          async () => metric(await scrape(node), 'streamhub_connection_closes_total', { dialect: adapter.dialect, code }) === 1,
          `streamhub_connection_closes_total{dialect="${adapter.dialect}",code="${code}"} to count the close`,
          2_000,
        );
      }),
    );
  });
}

function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m) out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}
