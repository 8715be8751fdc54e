/**
 * Config limits (issue #10 "a test per bound"): every bound is a validated setting, and values
 * that would switch a guard off or overflow it are refused by parseConfig, from a file or from
 * the environment, with the path named in the error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/index.js';

/** [path, value] pairs that must be refused: zero caps, negative sizes, a sub-100 ms handshake, ports out of range. */
const REFUSED: readonly [string, unknown][] = [
  ['server.handshakeTimeoutMs', 50],
  ['server.handshakeTimeoutMs', -1],
  ['server.trustedProxies', 'not-a-list'],
  ['server.embeddedBroker.maxPendingBatches', 0],
  ['server.embeddedBroker.maxHeldPublishes', 0],
  ['server.embeddedBroker.stallTimeoutMs', 10],
  ['server.embeddedBroker.callTimeoutMs', 10],
  ['server.redisShardMemoMax', 0],
  ['match.port', 70_000],
  ['match.perIpMax', 0],
  ['match.totalMax', -5],
  ['match.maxClientFrameBytes', 0],
  ['match.queue.maxMessages', 0],
  ['match.queue.maxBytes', 1.5],
  ['match.queue.overflow', 'grow'],
  ['match.ingest.maxFrameBytes', 0],
  ['relay.perIpMax', 0],
  ['relay.gopCacheBytes', -1],
  ['relay.maxChunkBytes', 0],
  ['relay.maxReceiverFrameBytes', 0],
  ['relay.queue.maxBytes', 0],
  ['relay.stallTimeoutMs', 5],
  ['elstat.maxFrameBytes', 0],
  ['elstat.maxChannelsPerConnection', 0],
  ['elstat.historyLength', 1_000_000],
  ['elstat.incidents.maxIncidents', 0],
  ['elstat.incidents.maxBodyBytes', 0],
  ['spectra.maxHttpBufferSize', 0],
  ['spectra.outputMaxBufferedPackets', 0],
  ['spectra.ingestPerIpMax', 0],
  ['spectra.maxMatches', 0],
  ['operator.maxPublishBytes', 128 * 1024 * 1024],
];

function nested(path: string, value: unknown): Record<string, unknown> {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

describe('config limits', () => {
  for (const [path, value] of REFUSED) {
    it(`refuses ${path} = ${JSON.stringify(value)}`, () => {
      assert.throws(
        () => parseConfig({ base: nested(path, value) }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(path.split('.').slice(1).join('.')),
      );
    });
  }

  it('refuses out-of-range limits from the environment too', () => {
    for (const [name, value] of [['STREAM_PER_IP_MAX', '0'], ['STREAMHUB_HANDSHAKE_TIMEOUT_MS', '10'], ['MAX_IP_CONCURRENT_CONNECTIONS', '-1'], ['STREAMHUB_ELSTAT_MAX_CHANNELS', 'many']] as const) {
      assert.throws(() => parseConfig({ env: { [name]: value } }), ConfigError, name);
    }
  });

  it('accepts the defaults: every bound has a documented, finite default', () => {
    const c = parseConfig({});
    for (const n of [c.match.queue.maxMessages, c.match.queue.maxBytes, c.relay.gopCacheBytes, c.relay.queue.maxBytes, c.elstat.maxFrameBytes, c.elstat.maxChannelsPerConnection, c.spectra.maxHttpBufferSize, c.spectra.outputMaxBufferedPackets, c.server.handshakeTimeoutMs]) {
      assert.ok(Number.isFinite(n) && n > 0, `bound ${n}`);
    }
  });
});
