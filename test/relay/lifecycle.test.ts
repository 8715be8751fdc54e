/** Bounded publisher backlog, shutdown, and clients that vanish mid-handshake. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { MemoryBroker } from '../../src/brokers/memory.js';
import type { Message, Payload, PublishOptions } from '../../src/core/index.js';
import { connect } from '../helpers/ws-client.js';
import { eventually, hasChunks, startRelay } from './helpers.js';

/** A memory broker whose publishes wait until the test opens the gate (a slow broker, e.g. a distant Redis). */
class GatedBroker extends MemoryBroker {
  #open: () => void = () => undefined;
  #gate: Promise<void> = new Promise((r) => (this.#open = r));
  openGate(): void {
    this.#open();
  }
  override async publish(channel: string, payload: Payload, options: PublishOptions): Promise<Message> {
    await this.#gate;
    return super.publish(channel, payload, options);
  }
}

describe('relay lifecycle', () => {
  it('a slow broker never makes the publisher backlog grow past its bound; nothing is lost or reordered', async (t) => {
    const broker = new GatedBroker();
    const max = 256 * 1024;
    const h = await startRelay({ maxPublishBacklogBytes: max }, { broker });
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'k', 'publish'));
    const rec = await connect(h.url('c', 'k', 'receive'));
    const total = 200; // 12.5 MiB against a 256 KiB backlog: more than the kernel buffers can hide
    for (let i = 0; i < total; i++) {
      const chunk = Buffer.alloc(64 * 1024);
      chunk.writeUInt32BE(i, 0);
      pub.ws.send(chunk, { binary: true });
    }
    await eventually(() => h.dialect.stats().publishBacklogBytes > max / 2, 5_000, 'backlog built');
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      peak = Math.max(peak, h.dialect.stats().publishBacklogBytes);
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(peak <= max + 512 * 1024, `backlog ${peak} stays near its bound`);
    assert.ok(pub.ws.bufferedAmount > 0, 'the server stopped reading: the client holds what it could not send');
    broker.openGate();
    await rec.until(hasChunks(rec, total), 20_000);
    const order = rec.messages.filter((m): m is Buffer => Buffer.isBuffer(m)).map((b) => b.readUInt32BE(0));
    assert.deepEqual(order, Array.from({ length: total }, (_, i) => i));
    pub.close();
  });

  it('close(): every session gets 1001 and the channel reservations are released', async (t) => {
    const h = await startRelay();
    let closed = false;
    t.after(() => (closed ? undefined : h.close()));
    const pub = await connect(h.url('c', 'k', 'publish'));
    const rec = await connect(h.url('c', 'k', 'receive'));
    const idle = await connect(h.url('other', 'k', 'receive'));
    await eventually(() => h.dialect.stats().connections === 3);
    await h.dialect.close({ code: 1001, reason: 'bye' }, 2_000);
    closed = true;
    for (const c of [pub, rec, idle]) assert.equal((await c.closed).code, 1001);
    assert.equal(h.dialect.stats().publishers, 0);
    assert.equal(h.dialect.stats().connections, 0);
    await h.hub.close({ code: 1001, reason: 'bye' });
  });

  it('a publisher that disconnects during the key check leaves the channel free', async (t) => {
    let answer: (() => void) | null = null;
    const verifier = createServer((_req, res) => {
      answer = () => res.writeHead(200).end();
    });
    await new Promise<void>((r) => verifier.listen(0, '127.0.0.1', r));
    t.after(() => {
      verifier.closeAllConnections();
      verifier.close();
    });
    const url = `http://127.0.0.1:${(verifier.address() as AddressInfo).port}/`;
    const h = await startRelay({ keyVerification: { url } });
    t.after(() => h.close());
    const quitter = new WebSocket(h.url('c', 'k', 'publish'));
    quitter.on('error', () => undefined);
    await eventually(() => answer !== null, 5_000, 'verification requested');
    quitter.terminate();
    answer!();
    await eventually(() => h.dialect.stats().publishers === 0 && h.dialect.stats().connections === 0);
    answer = null;
    const next = connect(h.url('c', 'k2', 'publish'));
    await eventually(() => answer !== null);
    answer!();
    (await next).close();
  });
});
