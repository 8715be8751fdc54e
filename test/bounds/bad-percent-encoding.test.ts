/**
 * Issue 20 item 4: nova control `GET /api/v1/streams/%E0%A4%A` answered 500 SERVER_ERROR and logged
 * "URI malformed". A malformed percent-encoding (or any path that is not a valid origin-form
 * request-target) is the client's error: every listener answers it with a 400 or 404, logs no
 * error, and keeps serving. One whole StreamHub, raw HTTP requests as a scanner sends them; each
 * listener's paths that take an id or a name get the bad escape where the id goes.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { startStreamHub, type StreamHub } from '../../src/server.js';
import { rawHttp, upgradeRequest } from '../fuzz/raw.js';
import { ALL_PORTS_FREE, portOf } from '../helpers/streamhub.js';

const BAD = '%E0%A4%A';
const ADMIN = 'bad-percent-admin';
const CONTROL = 'bad-percent-control';
const INCIDENTS = 'bad-percent-incidents';

function get(path: string, headers: string[] = []): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n`;
}

describe('a malformed percent-encoding on every listener (issue 20 item 4)', () => {
  let server: StreamHub;
  const lines: { level: number; msg: string }[] = [];

  before(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const config = parseConfig({
      base: {
        ...ALL_PORTS_FREE,
        operator: { port: 0, adminToken: ADMIN },
        nova: { port: 0, controlToken: CONTROL },
        match: { port: 0, adminToken: ADMIN },
        elstat: { port: 0, incidents: { token: INCIDENTS } },
        spectra: { ingestPort: 0, outputPort: 0, statusPort: 0, development: true },
      },
    });
    server = await startStreamHub(config, { log: createLogger({ level: 'info', destination }) });
  });

  after(() => server?.close());

  /** Sends each request; every answer must be 400 or 404 (the status named per case where it is specified). */
  async function expectRefused(port: number, cases: [string, number | null][]): Promise<void> {
    for (const [request, status] of cases) {
      const answer = await rawHttp(port, request);
      const what = JSON.stringify(request.split('\r\n')[0]);
      if (status !== null) assert.equal(answer.status, status, `${what}: ${answer.head}`);
      else assert.ok(answer.status === 400 || answer.status === 404, `${what}: ${answer.head}`);
    }
    assert.deepEqual(lines.filter((l) => l.level >= 50 || /URI malformed/.test(JSON.stringify(l))), [], 'no error logged');
  }

  it('nova control API: 400 INVALID_REQUEST for the stream id, not 500 SERVER_ERROR', async () => {
    const port = portOf(server, 'nova');
    const auth = `Authorization: Bearer ${CONTROL}`;
    await expectRefused(port, [
      [get(`/api/v1/streams/${BAD}`, [auth]), 400],
      [`POST /api/v1/streams/${BAD}/end HTTP/1.1\r\nHost: x\r\n${auth}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`, 400],
      [get(`/api/v1/streams/${BAD}`), 401],
    ]);
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/streams/${BAD}`, { headers: { authorization: `Bearer ${CONTROL}` } });
    assert.deepEqual(await res.json(), { error_code: 'INVALID_REQUEST', error_message: 'the stream id is not valid percent-encoding' });
  });

  it('nova viewer upgrade: 404 STREAM_NOT_FOUND', async () => {
    await expectRefused(portOf(server, 'nova'), [[upgradeRequest(`/api/v1/streams/${BAD}/ws?token=x`), 404]]);
  });

  it('spectra status port: 404 for a bad escape and for a target that only looks like an authority', async () => {
    const port = portOf(server, 'spectra', 'status');
    await expectRefused(port, [
      [get(`/getTeamInfoForCode?groupCode=${BAD}`), 404],
      [get(`/${BAD}`), 404],
      // Read relative to a base URL, `//a:b` was an authority with a bad port: new URL threw in the
      // request handler, uncaught (the process ended). Now it is a path like any other.
      [get('//a:b/status'), 404],
      [get('//[::1/status'), 404],
    ]);
    const alive = await fetch(`http://127.0.0.1:${port}/status`);
    assert.equal(alive.status, 200);
  });

  it('spectra ingest and output: 404 before the upgrade, Engine.IO 400 for a bad transport', async () => {
    for (const name of ['ingest', 'output']) {
      await expectRefused(portOf(server, 'spectra', name), [
        [upgradeRequest(`/socket.io${BAD}/?EIO=4&transport=websocket`), 404],
        [upgradeRequest(`/${BAD}/?EIO=4&transport=websocket`), 404],
        [get(`/socket.io/?EIO=4&transport=${BAD}`), 400],
      ]);
    }
  });

  it('match listener: 404 for the stream path, the HTTP routes and the viewer assets', async () => {
    await expectRefused(portOf(server, 'match'), [
      [upgradeRequest(`/v1/match/${BAD}`), 404],
      [upgradeRequest(`/v1/ingest${BAD}`), 404],
      [get(`/${BAD}`), 404],
      [get(`/viewer.js${BAD}`), 404],
      [get(`/admin/status${BAD}`, [`Authorization: Bearer ${ADMIN}`]), 404],
    ]);
  });

  it('relay: 404 for a channel, key or kind with a bad escape', async () => {
    await expectRefused(portOf(server, 'relay'), [
      [upgradeRequest(`/${BAD}/key/receive`), 404],
      [upgradeRequest(`/cam/${BAD}/publish`), 404],
      [upgradeRequest(`/cam/key/${BAD}`), 404],
      [get(`/${BAD}/key/receive`), 404],
    ]);
  });

  it('elstat: 404 for the streaming path, the REST API and an incident id', async () => {
    await expectRefused(portOf(server, 'elstat'), [
      [upgradeRequest(`/api/streaming${BAD}`), 404],
      [get(`/api/${BAD}`), 404],
      [get(`/api/incidents/${BAD}`), 404],
      [`PATCH /api/incidents/${BAD} HTTP/1.1\r\nHost: x\r\nAuthorization: ${INCIDENTS}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`, 404],
    ]);
  });

  it('operator: 404 for the dashboard assets and the admin API', async () => {
    await expectRefused(portOf(server, 'operator'), [
      [get(`/${BAD}`), 404],
      [get(`/api/status${BAD}`, [`Authorization: Bearer ${ADMIN}`]), 404],
      [get(`/api/dashboard/${BAD}`), 404],
    ]);
  });
});
