/**
 * A worker's coordination in embedded multi-core mode (issue 19): the ports of ports.ts backed by
 * the primary process (host.ts). Decisions stay local and synchronous: a cap counts this worker's
 * exact connections plus the other workers' as last reported by the primary (the same model as a
 * cluster's Redis tables, over a loopback channel that reports within one event-loop turn); leases
 * follow the primary's choice; claims are answered by the primary.
 */
import { capKey } from '../../net/client-ip.js';
import type { IpcEndpoint } from '../../util/ipc-endpoint.js';
import { DEFAULT_IPV6_CAP_PREFIX, sameCaps } from '../caps-request.js';
import type { CapExceeded, CapsRequest, Claim, ClaimHandle, ClaimTable, ConnectionSlots, Coordination, CounterTable, Lease } from '../ports.js';
import { COORD_TAG, isHostEvents, type WorkerOp, type WorkerOps } from './protocol.js';

/** One shared table: this worker's counts and the others' sums. */
class SharedCounts {
  readonly local = new Map<string, number>();
  readonly others = new Map<string, number>();
  readonly listeners = new Set<(key: string) => void>();

  sum(key: string): number {
    return (this.local.get(key) ?? 0) + (this.others.get(key) ?? 0);
  }
}

export function ipcCoordination(endpoint: IpcEndpoint, connected: () => boolean = () => true): Coordination {
  const tables = new Map<string, SharedCounts>();
  const waiting = new Map<number, (claim: Claim | null) => void>();
  let outbox: WorkerOp[] = [];
  let flushScheduled = false;
  let nextId = 1;
  let me: string | null = null;
  let holder: string | null = null;
  let closed = false;
  let ready: () => void = () => {};
  const helloReceived = new Promise<void>((resolve) => (ready = resolve));

  const send = (op: WorkerOp) => {
    if (closed) return;
    outbox.push(op);
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      if (closed || outbox.length === 0) return;
      const batch: WorkerOps = { tag: COORD_TAG, ops: outbox };
      outbox = [];
      try {
        endpoint.send(batch);
      } catch {
        // The primary is gone: node:cluster ends this worker.
      }
    });
  };
  const table = (name: string): SharedCounts => {
    let t = tables.get(name);
    if (!t) tables.set(name, (t = new SharedCounts()));
    return t;
  };
  const adjust = (name: string, key: string, delta: number) => {
    const t = table(name);
    const next = Math.max(0, (t.local.get(key) ?? 0) + delta);
    if (next === 0) t.local.delete(key);
    else t.local.set(key, next);
    send({ op: 'adjust', table: name, key, delta });
    for (const listener of t.listeners) listener(key);
  };
  const call = (op: WorkerOp & { id: number }) =>
    new Promise<Claim | null>((resolve) => {
      waiting.set(op.id, resolve);
      send(op);
    });

  const onMessage = (message: unknown) => {
    if (!isHostEvents(message)) return;
    for (const event of message.events) {
      switch (event.ev) {
        case 'hello':
          me = event.worker;
          ready();
          break;
        case 'lease':
          holder = event.holder;
          break;
        case 'sums': {
          const t = table(event.table);
          for (const [key, sum] of event.sums) {
            if (sum === 0) t.others.delete(key);
            else t.others.set(key, sum);
            for (const listener of t.listeners) listener(key);
          }
          break;
        }
        case 'reply':
          waiting.get(event.id)?.(event.value);
          waiting.delete(event.id);
          break;
      }
    }
  };
  endpoint.on('message', onMessage);

  const limiters = new Map<string, { slots: ConnectionSlots; caps: CapsRequest }>();
  const claimTables = new Map<string, ClaimTable>();
  const counterTables = new Map<string, CounterTable>();
  const lease: Lease = { held: () => me !== null && holder === me };

  return {
    ports: {
      limiter(name, caps) {
        const known = limiters.get(name);
        if (known) return sameCaps(name, known.caps, caps), known.slots;
        const tableName = `caps:${name}`;
        const t = table(tableName);
        const ipKey = (address: string) => `i:${capKey(address, caps.ipv6CapPrefix ?? DEFAULT_IPV6_CAP_PREFIX)}`;
        const slots: ConnectionSlots = {
          get total() {
            return t.sum('t');
          },
          countFor: (address) => t.sum(ipKey(address)),
          tryAcquire(address): { release: () => void } | { refused: CapExceeded } {
            if (t.sum('t') >= caps.totalMax) return { refused: 'total' };
            const key = ipKey(address);
            if (t.sum(key) >= caps.perIpMax && !caps.isExempt?.(address)) return { refused: 'per_ip' };
            adjust(tableName, 't', 1);
            adjust(tableName, key, 1);
            let released = false;
            return {
              release() {
                if (released) return;
                released = true;
                adjust(tableName, 't', -1);
                adjust(tableName, key, -1);
              },
            };
          },
        };
        limiters.set(name, { slots, caps });
        return slots;
      },
      lease: () => lease,
      claims(name) {
        let claims = claimTables.get(name);
        if (!claims) {
          claims = {
            async claim(key, claim): Promise<ClaimHandle | null> {
              const got = await call({ op: 'claim', id: nextId++, table: name, key, claim });
              if (!got) return null;
              return { claim, release: async () => send({ op: 'release', table: name, key, holderId: claim.holderId }) };
            },
            current: (key) => call({ op: 'current', id: nextId++, table: name, key }),
          };
          claimTables.set(name, claims);
        }
        return claims;
      },
      counters(name) {
        let counters = counterTables.get(name);
        if (!counters) {
          const tableName = `counters:${name}`;
          const t = table(tableName);
          counters = {
            adjust: (key, delta) => adjust(tableName, key, delta),
            count: (key) => t.sum(key),
            onChange(listener) {
              t.listeners.add(listener);
              return () => t.listeners.delete(listener);
            },
          };
          counterTables.set(name, counters);
        }
        return counters;
      },
    },
    health() {
      const ok = !closed && connected();
      return { ok, detail: ok ? `primary process (worker ${me ?? '?'})` : 'the channel to the primary process is closed' };
    },
    ready: () => helloReceived,
    async close() {
      closed = true;
      endpoint.off('message', onMessage);
      for (const resolve of waiting.values()) resolve(null);
      waiting.clear();
    },
  };
}
