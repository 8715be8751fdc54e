/**
 * spectra rooms across a 3-node cluster of real processes on one real Redis (issue #7): an
 * observer on node A, overlays on nodes B and C. The match's state is built on A (the observer's
 * node) and published to the hub channel `spectra:<group>`, so every node's room gets it, and a
 * late overlay on any node gets the current state at once (the snapshot, from Redis).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { logonPayload, once } from '../spectra/helpers.js';
import { startProcessCluster, type NodeProcess, type ProcessCluster } from './node-processes.js';

const config = { spectra: { enabled: true, emitIntervalMs: 20, development: true, requireAuthKey: false } };
const sockets = new Set<Socket>();

function client(port: number): Promise<Socket> {
  const socket = io(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false });
  sockets.add(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

interface Room {
  readonly states: Record<string, any>[];
  until(check: (s: Record<string, any> | undefined) => boolean, what: string): Promise<void>;
}

async function overlay(node: NodeProcess, group: string): Promise<Room> {
  const socket = await client(node.port('spectra', 'output'));
  const states: Record<string, any>[] = [];
  const waiters = new Set<() => void>();
  socket.on('match_data', (msg: unknown) => {
    states.push(JSON.parse(String(msg)) as Record<string, any>);
    for (const w of [...waiters]) w();
  });
  const ok = once<string>(socket, 'logon_success', 10_000);
  socket.emit('logon', JSON.stringify({ groupCode: group }));
  await ok;
  return {
    states,
    until(check, what) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => (waiters.delete(w), reject(new Error(`node ${node.index}: no ${what} within 10 s (${states.length} states)`))), 10_000);
        const w = () => {
          if (!check(states.at(-1))) return;
          waiters.delete(w);
          clearTimeout(timer);
          resolve();
        };
        waiters.add(w);
        w();
      });
    },
  };
}

describe('spectra on a 3-node cluster (real processes, real Redis)', () => {
  let cluster: ProcessCluster;
  before(async () => {
    cluster = await startProcessCluster(3, config);
  });
  after(async () => {
    for (const s of sockets) s.close();
    await cluster?.close();
  });

  it('an observer on node A reaches overlays on B and C; a late overlay on any node gets the current state', async () => {
    const [a, b, c] = cluster.nodes as [NodeProcess, NodeProcess, NodeProcess];
    const obs = await client(a.port('spectra', 'ingest'));
    const ack = once<string>(obs, 'obs_logon_ack', 10_000);
    obs.emit('obs_logon', JSON.stringify(logonPayload('XROOM')));
    assert.equal((JSON.parse(await ack) as { value: boolean }).value, true);
    const onB = await overlay(b, 'XROOM');
    const onC = await overlay(c, 'XROOM');
    obs.emit('obs_data', JSON.stringify({ obsName: 'obs', groupCode: 'XROOM', type: 'map', data: 'Pitt' }));
    await onB.until((s) => s?.map === 'Pearl', 'the map on node B');
    await onC.until((s) => s?.map === 'Pearl', 'the map on node C');
    obs.emit('obs_data', JSON.stringify({ obsName: 'obs', groupCode: 'XROOM', type: 'map', data: 'Ascent' }));
    await onB.until((s) => s?.map === 'Ascent', 'the second map on node B');
    await onC.until((s) => s?.map === 'Ascent', 'the second map on node C');
    for (const node of [a, b, c]) {
      const late = await overlay(node, 'XROOM');
      await late.until((s) => s?.map === 'Ascent', `the current state for a late overlay on node ${node.index}`);
    }
    // Other groups are other rooms: nothing of XROOM reaches them.
    const other = await overlay(b, 'OTHER');
    assert.equal(other.states.some((s) => s.groupCode === 'XROOM'), false);
  });
});
