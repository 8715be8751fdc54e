/**
 * A worker's coordination in embedded multi-core mode (issue 19): the ports of ports.ts backed by
 * the primary process (host.ts). Decisions stay local and synchronous: a cap counts this worker's
 * exact connections plus the other workers' as last reported by the primary (the same model as a
 * cluster's Redis tables, over a loopback channel that reports within one event-loop turn); leases
 * follow the primary's choice; claims and member lists are answered by the primary, member events
 * reach this worker's watchers at once and the other workers' through the primary.
 */
import { MemberWatchers } from '../local-members.js';
import { capKey } from '../../net/client-ip.js';
import type { IpcEndpoint } from '../../util/ipc-endpoint.js';
import { DEFAULT_IPV6_CAP_PREFIX, sameCaps } from '../caps-request.js';
import type { CapExceeded, CapsRequest, Claim, ClaimHandle, ClaimTable, ConnectionSlots, Coordination, CounterTable, Lease, MemberList, MemberTable } from '../ports.js';
import { COORD_TAG, isHostEvents, type WorkerOp, type WorkerOps } from './protocol.js';
import { ErrorCode, StreamHubError } from '../../core/errors.js';

/** One shared table: this worker's counts and the others' sums. */
class SharedCounts {
  readonly local = new Map<string, number>();
  readonly others = new Map<string, number>();
  readonly listeners = new Set<(key: string) => void>();

  sum(key: string): number {
    return (this.local.get(key) ?? 0) + (this.others.get(key) ?? 0);
  }
}

export interface IpcCoordinationOptions {
  /** True while the channel to the primary is open (`process.connected` in a worker). */
  readonly connected?: () => boolean;
  /**
   * A claim or member list the primary has not answered within this long fails with
   * ERR_COORDINATION (`server.embeddedBroker.callTimeoutMs`, default 10 s): a stalled primary must
   * not hold a relay publisher's upgrade or a presence reply forever.
   */
  readonly callTimeoutMs?: number;
}

interface Waiting<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (err: Error) => void;
  readonly since: number;
}

export function ipcCoordination(endpoint: IpcEndpoint, options: IpcCoordinationOptions = {}): Coordination {
  const connected = options.connected ?? (() => true);
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const tables = new Map<string, SharedCounts>();
  const waiting = new Map<number, Waiting<Claim | null>>();
  const waitingLists = new Map<number, Waiting<MemberList>>();
  /** Rejects the calls older than `callTimeoutMs`; runs only while some call waits. */
  let sweep: NodeJS.Timeout | null = null;
  const armSweep = () => {
    if (sweep !== null) return;
    sweep = setInterval(() => {
      const deadline = Date.now() - callTimeoutMs;
      for (const calls of [waiting, waitingLists] as Map<number, Waiting<never>>[]) {
        for (const [id, call] of calls) {
          if (call.since > deadline) continue;
          calls.delete(id);
          call.reject(new StreamHubError(ErrorCode.coordination, `the primary process did not answer within ${callTimeoutMs} ms`));
        }
      }
      if (waiting.size === 0 && waitingLists.size === 0 && sweep !== null) {
        clearInterval(sweep);
        sweep = null;
      }
    }, Math.max(25, Math.floor(callTimeoutMs / 4)));
    sweep.unref();
  };
  const memberWatchers = new Map<string, MemberWatchers>();
  const watchersOf = (name: string): MemberWatchers => {
    let w = memberWatchers.get(name);
    if (!w) memberWatchers.set(name, (w = new MemberWatchers()));
    return w;
  };
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
    new Promise<Claim | null>((resolve, reject) => {
      waiting.set(op.id, { resolve, reject, since: Date.now() });
      armSweep();
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
          waiting.get(event.id)?.resolve(event.value);
          waiting.delete(event.id);
          break;
        case 'listed':
          waitingLists.get(event.id)?.resolve(event.value);
          waitingLists.delete(event.id);
          break;
        case 'member':
          memberWatchers.get(event.table)?.emit(event.event);
          break;
      }
    }
  };
  endpoint.on('message', onMessage);

  const limiters = new Map<string, { slots: ConnectionSlots; caps: CapsRequest }>();
  const claimTables = new Map<string, ClaimTable>();
  const counterTables = new Map<string, CounterTable>();
  const memberTables = new Map<string, MemberTable>();
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
      members(name) {
        let members = memberTables.get(name);
        if (!members) {
          const watchers = watchersOf(name);
          members = {
            set: (key, member, value) => send({ op: 'mset', table: name, key, member, value }),
            delete: (key, member) => send({ op: 'mdel', table: name, key, member }),
            list: (key, max) =>
              new Promise<MemberList>((resolve, reject) => {
                if (closed) return reject(new StreamHubError(ErrorCode.coordination, 'coordination closed'));
                const id = nextId++;
                waitingLists.set(id, { resolve, reject, since: Date.now() });
                armSweep();
                send({ op: 'mlist', id, table: name, key, max });
              }),
            announce(event) {
              watchers.emit(event);
              send({ op: 'announce', table: name, event });
            },
            watch: (key, listener) => watchers.watch(key, listener),
          };
          memberTables.set(name, members);
        }
        return members;
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
      if (sweep !== null) clearInterval(sweep);
      sweep = null;
      for (const { resolve } of waiting.values()) resolve(null);
      waiting.clear();
      for (const { reject } of waitingLists.values()) reject(new StreamHubError(ErrorCode.coordination, 'coordination closed'));
      waitingLists.clear();
    },
  };
}
