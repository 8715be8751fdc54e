/**
 * spectra connection caps at the transport level: Engine.IO connections that never join a
 * namespace are capped at twice the per-IP/total caps (PROTOCOL.md "Connection refusals"),
 * while a capped Socket.IO client still gets the specified connect_error.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createSpectraDialect } from '../../src/dialects/spectra/index.js';
import { eventually } from '../helpers/eventually.js';
import { startDialect, testConfig } from '../helpers/harness.js';
import { client, closeClients } from '../spectra/helpers.js';
import { rawWs } from '../fuzz/raw.js';

it('closes Engine.IO transports past twice the cap; Socket.IO clients past the cap get connect_error', async (t) => {
  const options = testConfig({ spectra: { ingestPort: 0, outputPort: 0, statusPort: 0, development: true, outputPerIpMax: 2, outputTotalMax: 100 } }).spectra;
  const h = await startDialect((ctx) => createSpectraDialect(ctx, options));
  t.after(async () => {
    closeClients();
    await h.close();
  });
  const port = h.port('output');
  const raws = await Promise.all(Array.from({ length: 8 }, () => rawWs(port, '/socket.io/?EIO=4&transport=websocket')));
  // Four (2 × 2) are kept; the rest are closed at once, long before Socket.IO's 45 s connectTimeout.
  await eventually(() => raws.filter((r) => r.socket.destroyed).length === 4, 'four transports closed');
  assert.equal(h.dialect.stats().outputConnections, 4);
  for (const r of raws) r.socket.destroy();
  await eventually(() => h.dialect.stats().outputConnections === 0, 'transports released');
  await client(port);
  await client(port);
  await assert.rejects(client(port), /Too many connections/);
});
