/**
 * Spectra settings: the seed's env names (INSECURE, SERVER_KEY, SERVER_CERT) and the original's
 * (AUTH_KEY, REQUIRE_AUTH_KEY), TLS on all three ports, and the wildcard-CORS start-up warning.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { io } from 'socket.io-client';
import { MemoryBroker } from '../../src/brokers/memory.js';
import { parseConfig } from '../../src/config/index.js';
import { Hub, randomIds, systemClock, type Logger } from '../../src/core/index.js';
import { createSpectraDialect } from '../../src/dialects/spectra/index.js';
import { silentLogger } from '../../src/log.js';
import { makeCertificate } from '../operator/self-signed.js';
import { startDialect, testConfig, TEST_LISTENER } from '../helpers/harness.js';
import { closeClients, logonPayload, once, startSpectra } from './helpers.js';

after(closeClients);

describe('spectra configuration', () => {
  it('reads INSECURE, SERVER_KEY, SERVER_CERT, AUTH_KEY, REQUIRE_AUTH_KEY and BACKEND_URL', () => {
    const config = parseConfig({
      env: {
        INSECURE: 'false',
        SERVER_KEY: '/k.pem',
        SERVER_CERT: '/c.pem',
        AUTH_KEY: 'abc',
        REQUIRE_AUTH_KEY: 'false',
        BACKEND_URL: 'http://backend.invalid',
        STREAMHUB_SPECTRA_CORS_ORIGIN: 'https://a.example,https://b.example',
      },
    });
    assert.equal(config.spectra.insecure, false);
    assert.equal(config.spectra.serverKeyFile, '/k.pem');
    assert.equal(config.spectra.serverCertFile, '/c.pem');
    assert.equal(config.spectra.authKey, 'abc');
    assert.equal(config.spectra.requireAuthKey, false);
    assert.equal(config.spectra.backendUrl, 'http://backend.invalid');
    assert.deepEqual(config.spectra.corsOrigin, ['https://a.example', 'https://b.example']);
  });

  it('has the documented defaults', () => {
    const s = parseConfig({}).spectra;
    assert.deepEqual(
      [s.ingestPort, s.outputPort, s.statusPort, s.emitIntervalMs, s.idleRemovalMs, s.corsOrigin, s.clientVersionRange, s.authKey, s.requireAuthKey],
      [5100, 5200, 5101, 100, 1_800_000, '*', '>=0.3.3 <0.3.25', null, true],
    );
  });
});

describe('spectra TLS (seed 003 §SSL/TLS)', () => {
  it('INSECURE=false with SERVER_KEY/SERVER_CERT serves wss/https on ingest, output and status', async (t) => {
    const cert = makeCertificate();
    t.after(() => cert.remove());
    const h = await startSpectra({ insecure: false, serverKeyFile: cert.keyFile, serverCertFile: cert.certFile });
    t.after(() => h.close());
    // The Spectra clients connect with rejectUnauthorized:false, so self-signed certificates work.
    const socket = io(`https://127.0.0.1:${h.port('ingest')}`, { forceNew: true, reconnection: false, rejectUnauthorized: false });
    t.after(() => socket.close());
    const ack = once<string>(socket, 'obs_logon_ack');
    socket.emit('obs_logon', JSON.stringify(logonPayload('TLS')));
    assert.equal((JSON.parse(await ack) as { value: boolean }).value, true);
    const overlay = io(`https://127.0.0.1:${h.port('output')}`, { forceNew: true, reconnection: false, rejectUnauthorized: false });
    t.after(() => overlay.close());
    const data = once<string>(overlay, 'match_data');
    overlay.emit('logon', JSON.stringify({ groupCode: 'TLS' }));
    assert.equal((JSON.parse(await data) as { groupCode: string }).groupCode, 'TLS');
    const plain = io(`http://127.0.0.1:${h.port('ingest')}`, { forceNew: true, reconnection: false, timeout: 1_000 });
    t.after(() => plain.close());
    await assert.rejects(once(plain, 'connect', 3_000));
  });

  it('INSECURE=false without certificates refuses to start; INSECURE=true serves plain HTTP even with server TLS', async (t) => {
    await assert.rejects(startSpectra({ insecure: false }), /SERVER_KEY and SERVER_CERT/);
    const cert = makeCertificate();
    t.after(() => cert.remove());
    const start = (insecure: boolean | null) =>
      startDialect(
        (ctx) => createSpectraDialect(ctx, testConfig({ spectra: { ingestPort: 0, outputPort: 0, statusPort: 0, insecure } }).spectra),
        { listener: { tls: { cert: cert.cert, key: cert.key } } },
      );
    const plain = await start(true);
    t.after(() => plain.close());
    assert.equal((await fetch(`http://127.0.0.1:${plain.port('status')}/status`)).status, 200);
    // Unset INSECURE follows the server-wide TLS setting.
    const inherited = await start(null);
    t.after(() => inherited.close());
    await assert.rejects(fetch(`http://127.0.0.1:${inherited.port('status')}/status`));
  });
});

describe('CORS start-up warning', () => {
  async function warnings(options: Record<string, unknown>): Promise<string[]> {
    const seen: string[] = [];
    const log: Logger = {
      ...silentLogger,
      warn: (obj: object | string, msg?: string) => void seen.push(typeof obj === 'string' ? obj : (msg ?? '')),
      child: () => log,
    };
    const hub = new Hub({ broker: new MemoryBroker({}), clock: systemClock });
    await hub.start();
    const config = parseConfig({ base: { spectra: { ingestPort: 0, outputPort: 0, statusPort: 0, ...options } } });
    const dialect = createSpectraDialect({ hub, log, clock: systemClock, ids: randomIds, listener: TEST_LISTENER }, config.spectra);
    await dialect.listen();
    await dialect.close({ code: 1001, reason: 'test' }, 200);
    await hub.close({ code: 1001, reason: 'test' });
    return seen.filter((m) => m.includes('CORS'));
  }

  it('warns when the origin is "*" outside development, and not otherwise', async () => {
    assert.equal((await warnings({})).length, 1);
    assert.equal((await warnings({ development: true })).length, 0);
    assert.equal((await warnings({ corsOrigin: 'https://overlay.example' })).length, 0);
  });
});
