/**
 * Measures what delta compression saves (issue 18: "Measure the bytes saved on match StateFrames
 * and nova events"). Not a test: run `node --import tsx test/streamhub/measure-delta.ts [seconds]`.
 * A whole StreamHub with its demo producers; per channel, one plain and one `"delta":"fossil"`
 * subscriber over the streamhub protocol; the same publications are compared by the bytes of their
 * payload members (`data` vs `json`/`delta`) and of whole frames. Prints one JSON line per channel.
 */
import { silentLogger } from '../../src/log.js';
import { parseConfig } from '../../src/config/index.js';
import { startStreamHub } from '../../src/server.js';
import { ALL_PORTS_FREE } from '../helpers/streamhub.js';
import { SECRET, TestClient, token, type Frame } from './setup.js';

const seconds = Number(process.argv[2] ?? 20);
const CHANNELS = ['match:fifa-wc-2022-final-arg-fra', 'match:demo', 'nova:550e8400-e29b-41d4-a716-446655440000'];

const config = parseConfig({ base: { ...ALL_PORTS_FREE, server: { ...ALL_PORTS_FREE.server, demo: true }, streamhub: { port: 0, auth: { hmacSecret: SECRET } } } });
const hub = await startStreamHub(config, { log: silentLogger });
const port = hub.addresses.streamhub![0]!.port;
const url = `ws://127.0.0.1:${port}/v1/ws`;
const tok = await token({ channels: { '*': ['subscribe'] } });
const plain = await TestClient.connected(url, tok);
const delta = await TestClient.connected(url, tok);
// Live only: subscribe now and count what arrives from here on (the replays are left out).
await plain.requestAll({ type: 'subscribe', channels: CHANNELS.map((channel) => ({ channel })) }, CHANNELS.length);
await delta.requestAll({ type: 'subscribe', channels: CHANNELS.map((channel) => ({ channel, delta: 'fossil' })) }, CHANNELS.length);
await new Promise((r) => setTimeout(r, seconds * 1000));
plain.close();
delta.close();
await hub.close();

for (const channel of CHANNELS) {
  const a = plain.pubs(channel);
  const b = new Map(delta.pubs(channel).map((f) => [`${f.epoch}:${f.offset}`, f]));
  const common = a.filter((f) => b.has(`${f.epoch}:${f.offset}`));
  let dataBytes = 0;
  let deltaMemberBytes = 0;
  let plainFrameBytes = 0;
  let deltaFrameBytes = 0;
  let asDelta = 0;
  const byType = new Map<string, { n: number; data: number; sent: number }>();
  for (const f of common) {
    const d = b.get(`${f.epoch}:${f.offset}`)! as Frame;
    const data = Buffer.byteLength(JSON.stringify(f.data));
    const sent = Buffer.byteLength(JSON.stringify(typeof d.delta === 'string' ? d.delta : d.json));
    dataBytes += data;
    deltaMemberBytes += sent;
    plainFrameBytes += Buffer.byteLength(JSON.stringify(f));
    deltaFrameBytes += Buffer.byteLength(JSON.stringify(d));
    if (typeof d.delta === 'string') asDelta += 1;
    const type = String((f.data as Record<string, unknown> | undefined)?.type ?? (f.data as Record<string, unknown> | undefined)?.event ?? '?');
    const t = byType.get(type) ?? { n: 0, data: 0, sent: 0 };
    t.n += 1;
    t.data += data;
    t.sent += sent;
    byType.set(type, t);
  }
  console.log(
    JSON.stringify({
      channel,
      publications: common.length,
      asDelta,
      payloadBytesPlain: dataBytes,
      payloadBytesDelta: deltaMemberBytes,
      payloadRatio: dataBytes ? +(deltaMemberBytes / dataBytes).toFixed(3) : null,
      frameBytesPlain: plainFrameBytes,
      frameBytesDelta: deltaFrameBytes,
      frameRatio: plainFrameBytes ? +(deltaFrameBytes / plainFrameBytes).toFixed(3) : null,
      byType: Object.fromEntries([...byType].map(([k, v]) => [k, { ...v, ratio: v.data ? +(v.sent / v.data).toFixed(3) : null }])),
    }),
  );
}
