/**
 * Member tables in process (the `members(name)` port on one node, or one worker's view in the IPC
 * host): entries per key in a map, events to this process's watchers at once.
 */
import type { MemberEntry, MemberEvent, MemberList, MemberTable } from './ports.js';

/** Entries per key; a key with none takes no memory. */
export class MemberMap {
  readonly #keys = new Map<string, Map<string, string>>();

  set(key: string, id: string, value: string): void {
    let entries = this.#keys.get(key);
    if (!entries) this.#keys.set(key, (entries = new Map()));
    entries.set(id, value);
  }

  /** The value deleted, or undefined when there was none. */
  delete(key: string, id: string): string | undefined {
    const entries = this.#keys.get(key);
    const value = entries?.get(id);
    if (value === undefined) return undefined;
    entries!.delete(id);
    if (entries!.size === 0) this.#keys.delete(key);
    return value;
  }

  /** At most `max` entries of `key`, in insertion order. */
  list(key: string, max: number): MemberList {
    const entries = this.#keys.get(key);
    const members: MemberEntry[] = [];
    if (entries) {
      for (const [id, value] of entries) {
        if (members.length >= max) break;
        members.push({ id, value });
      }
    }
    return { members, truncated: (entries?.size ?? 0) > members.length };
  }

  /** Every entry, as remove events (a worker's or node's entries leaving with it). */
  drain(): MemberEvent[] {
    const events: MemberEvent[] = [];
    for (const [key, entries] of this.#keys) for (const [id, value] of entries) events.push({ type: 'remove', key, id, value });
    this.#keys.clear();
    return events;
  }

  get keys(): number {
    return this.#keys.size;
  }
}

/** Watchers per key, in this process. */
export class MemberWatchers {
  readonly #byKey = new Map<string, Set<(event: MemberEvent) => void>>();

  watch(key: string, listener: (event: MemberEvent) => void): () => void {
    let set = this.#byKey.get(key);
    if (!set) this.#byKey.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      const now = this.#byKey.get(key);
      if (!now?.delete(listener)) return;
      if (now.size === 0) this.#byKey.delete(key);
    };
  }

  /** True while some listener watches `key`. */
  watched(key: string): boolean {
    return this.#byKey.has(key);
  }

  /** The keys watched now. */
  keys(): IterableIterator<string> {
    return this.#byKey.keys();
  }

  emit(event: MemberEvent): void {
    const set = this.#byKey.get(event.key);
    if (set) for (const listener of [...set]) listener(event);
  }
}

/** One node is the whole cluster: its entries are all there is, and its events reach only its watchers. */
export class LocalMemberTable implements MemberTable {
  readonly #entries = new MemberMap();
  readonly #watchers = new MemberWatchers();

  set(key: string, id: string, value: string): void {
    this.#entries.set(key, id, value);
  }

  delete(key: string, id: string): void {
    this.#entries.delete(key, id);
  }

  async list(key: string, max: number): Promise<MemberList> {
    return this.#entries.list(key, max);
  }

  announce(event: MemberEvent): void {
    this.#watchers.emit(event);
  }

  watch(key: string, listener: (event: MemberEvent) => void): () => void {
    return this.#watchers.watch(key, listener);
  }
}
