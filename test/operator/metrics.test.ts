import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { RETENTION, startOperator } from './operator-harness.js';

/** `name{labels} value` lines of one metric. */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m && m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}

describe('Prometheus /metrics', () => {
  it('exposes traffic, drops, closes, latency, broker health and event-loop lag, labelled by dialect only', async (t) => {
    const h = await startOperator();
    t.after(() => h.close());
    const [match, nova] = h.dialects;
    const sub = await match!.connect('match:m1');
    await nova!.connect('nova:s1');
    await nova!.connect('nova:s2');
    for (let i = 0; i < 3; i++) await h.hub.publish('match:m1', Buffer.from('12345'), { retention: RETENTION });
    await eventually(() => match!.received.length === 3, 'deliveries');
    sub.detach({ code: 4008, reason: 'slow' });

    const res = await fetch(`${h.base}/metrics`);
    assert.match(res.headers.get('content-type')!, /text\/plain/);
    const text = await res.text();
    assert.equal(samples(text, 'streamhub_messages_published_total').get('{dialect="match"}'), 3);
    assert.equal(samples(text, 'streamhub_bytes_published_total').get('{dialect="match"}'), 15);
    assert.equal(samples(text, 'streamhub_messages_delivered_total').get('{dialect="match"}'), 3);
    assert.equal(samples(text, 'streamhub_bytes_delivered_total').get('{dialect="match"}'), 15);
    // One observation per delivered batch: the three messages may go out in one to three batches.
    const batches = samples(text, 'streamhub_publish_to_send_seconds_count').get('{dialect="match"}')!;
    assert.ok(batches >= 1 && batches <= 3, String(batches));
    assert.ok(samples(text, 'streamhub_publish_to_send_seconds_bucket').has('{le="0.25",dialect="match"}'));
    assert.equal(samples(text, 'streamhub_hub_closes_total').get('{dialect="match",code="4008"}'), 1);
    assert.equal(samples(text, 'streamhub_connections').get('{dialect="nova"}'), 2);
    assert.equal(samples(text, 'streamhub_channels').get('{dialect="nova"}'), 2);
    assert.equal(samples(text, 'streamhub_subscriptions').get('{dialect="nova"}'), 2);
    assert.equal(samples(text, 'streamhub_broker_up').get(''), 1);
    // Closes a dialect reports itself (stats().closes), counted by code.
    assert.equal(samples(text, 'streamhub_connection_closes_total').get('{dialect="match",code="1013"}'), 2);
    assert.ok(samples(text, 'streamhub_nodejs_eventloop_lag_seconds').has(''));
    assert.match(text, /streamhub_event_loop_lag_seconds_count\{stat="max"\} \d+/);
    // Cardinality: never a channel or a connection in a label.
    assert.doesNotMatch(text, /channel=|connection=|conn=|m1|s1|s2/);

    // Counters of dialect-reported closes follow the dialect's totals without double counting.
    const again = await (await fetch(`${h.base}/metrics`)).text();
    assert.equal(samples(again, 'streamhub_connection_closes_total').get('{dialect="match",code="1013"}'), 2);
  });

  it('counts drops by dialect and policy', async (t) => {
    const h = await startOperator();
    t.after(() => h.close());
    h.metrics.observer.dropped?.('nova', 5, 'drop-oldest');
    const text = await (await fetch(`${h.base}/metrics`)).text();
    assert.equal(samples(text, 'streamhub_messages_dropped_total').get('{dialect="nova",policy="drop-oldest"}'), 5);
    assert.equal(h.metrics.traffic().nova!.dropped, 5);
  });

  it('reports the broker down as 0', async (t) => {
    const h = await startOperator();
    t.after(() => h.close());
    await h.broker.close();
    const text = await (await fetch(`${h.base}/metrics`)).text();
    assert.equal(samples(text, 'streamhub_broker_up').get(''), 0);
  });
});
