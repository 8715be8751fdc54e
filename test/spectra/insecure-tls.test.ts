/**
 * Issue 20 item 4: `INSECURE=true` turns TLS off for spectra even when `server.tls` (or
 * SERVER_KEY/SERVER_CERT) is set, so the observers' AUTH_KEY travels in cleartext. The seed's
 * setting is honoured as written, but never silently: start-up logs a warning that names the
 * consequence (src/dialects/spectra/insecure-warning.ts says why a warning, not a refusal).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBroker } from '../../src/brokers/memory.js';
import { parseConfig } from '../../src/config/index.js';
import { Hub, randomIds, systemClock, type Logger } from '../../src/core/index.js';
import { createSpectraDialect } from '../../src/dialects/spectra/index.js';
import { silentLogger } from '../../src/log.js';
import { makeCertificate } from '../operator/self-signed.js';
import { TEST_LISTENER } from '../helpers/harness.js';

interface Started {
  readonly warnings: string[];
  readonly statusPort: number;
  close(): Promise<void>;
}

async function start(spectra: Record<string, unknown>, tls: { cert: Buffer; key: Buffer } | null): Promise<Started> {
  const warnings: string[] = [];
  const log: Logger = {
    ...silentLogger,
    warn: (obj: object | string, msg?: string) => void warnings.push(typeof obj === 'string' ? obj : (msg ?? '')),
    child: () => log,
  };
  const hub = new Hub({ broker: new MemoryBroker({}), clock: systemClock });
  await hub.start();
  const config = parseConfig({ base: { spectra: { ingestPort: 0, outputPort: 0, statusPort: 0, development: true, ...spectra } } });
  const dialect = createSpectraDialect({ hub, log, clock: systemClock, ids: randomIds, listener: { ...TEST_LISTENER, tls } }, config.spectra);
  const addresses = await dialect.listen();
  return {
    warnings: warnings.filter((w) => w.includes('INSECURE')),
    statusPort: addresses.find((a) => a.name === 'status')!.port,
    async close() {
      await dialect.close({ code: 1001, reason: 'test' }, 200);
      await hub.close({ code: 1001, reason: 'test' });
    },
  };
}

describe('INSECURE=true with TLS configured (issue 20 item 4)', () => {
  it('serves plain HTTP as the seed says, and warns that AUTH_KEY then travels in cleartext', async (t) => {
    const cert = makeCertificate();
    t.after(() => cert.remove());
    const insecure = parseConfig({ env: { INSECURE: 'true' } }).spectra.insecure;
    const s = await start({ insecure }, { cert: cert.cert, key: cert.key });
    t.after(() => s.close());
    // The consequence, performed: a cleartext request is answered although server.tls is set.
    assert.equal((await fetch(`http://127.0.0.1:${s.statusPort}/status`)).status, 200);
    assert.equal(s.warnings.length, 1);
    assert.match(s.warnings[0]!, /server\.tls is set/);
    assert.match(s.warnings[0]!, /AUTH_KEY.*cleartext/);
  });

  it('warns for SERVER_KEY/SERVER_CERT too, and not when nothing is turned off', async (t) => {
    const cert = makeCertificate();
    t.after(() => cert.remove());
    const files = await start({ insecure: true, serverKeyFile: cert.keyFile, serverCertFile: cert.certFile }, null);
    t.after(() => files.close());
    assert.equal(files.warnings.length, 1);
    assert.match(files.warnings[0]!, /SERVER_KEY\/SERVER_CERT are set/);
    for (const [spectra, tls] of [
      [{ insecure: true }, null],
      [{ insecure: null }, { cert: cert.cert, key: cert.key }],
    ] as const) {
      const quiet = await start(spectra, tls);
      t.after(() => quiet.close());
      assert.deepEqual(quiet.warnings, []);
    }
  });
});
