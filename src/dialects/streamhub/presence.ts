/**
 * Presence of channels (PROTOCOL.md §12), cluster-wide through two coordination ports: the
 * subscription count in a counter table (O(1) to read, also for 100,000 members) and the members in
 * a member table, where each node keeps at most `keep` of its members per channel (its others are
 * counted, not listed, and one of them takes the place of a kept member that leaves while fewer
 * than maxMembersListed are kept). Join/leave
 * go out through the member table to the watchers on every node, while the channel is small enough.
 * `users` is each node's distinct users, summed over nodes in a second counter table (O(1) too; a
 * user connected to two nodes counts twice: an exact distinct count across nodes would need every
 * node's user set).
 */
import { LocalCounterTable } from '../../coordination/local.js';
import type { CounterTable, MemberEvent, MemberTable } from '../../coordination/ports.js';

export interface Member {
  readonly client: string;
  readonly user: string;
  /** Already validated and bounded by the session. */
  readonly info?: unknown;
}

/** Receives join/leave pushes of the channels it watches. */
export interface PresenceWatcher {
  presenceEvent(type: 'join' | 'leave', channel: string, member: Member): void;
}

export interface PresenceBounds {
  /** Join/leave pushes stop while a channel has more members than this (cluster-wide count). */
  readonly maxJoinLeaveMembers: number;
  /** Most members one `presence` reply lists. */
  readonly maxMembersListed: number;
}

interface ChannelPresence {
  /** This node's members, with their encoded form (the member table's value). */
  readonly members: Map<string, { readonly member: Member; readonly encoded: string }>;
  /** Members of this node not in the member table (past `keep`). */
  readonly unkept: RandomBag;
  /** Subscriptions per user, so that `users` is a counter too. */
  readonly users: Map<string, number>;
  readonly watchers: Set<PresenceWatcher>;
  /** Stops hearing the member table's events; set while `watchers` is not empty. */
  unwatch: (() => void) | null;
}

export interface PresenceSnapshot {
  /** Subscriptions of the channel on every node (the coordination counter table's sum). */
  readonly count: number;
  readonly users: number;
  readonly members?: readonly Member[];
  readonly truncated?: boolean;
}

export class PresenceRegistry {
  readonly #channels = new Map<string, ChannelPresence>();
  readonly #bounds: PresenceBounds;
  /**
   * Members per channel this node keeps in the member table: enough for any listing, and for a
   * leave push of every member a watcher may have seen join (pushes stop past maxJoinLeaveMembers).
   */
  readonly #keep: number;
  readonly #counts: CounterTable;
  readonly #table: MemberTable;
  /** Distinct users per channel on this node, summed over nodes. */
  readonly #userCounts: CounterTable;

  constructor(bounds: PresenceBounds, counts: CounterTable, members: MemberTable, userCounts: CounterTable = new LocalCounterTable()) {
    this.#bounds = bounds;
    this.#keep = Math.max(bounds.maxMembersListed, bounds.maxJoinLeaveMembers);
    this.#counts = counts;
    this.#table = members;
    this.#userCounts = userCounts;
  }

  /** Adds a member (idempotent per client) and tells the watchers on every node. */
  join(channel: string, member: Member, watcher: PresenceWatcher | null): void {
    const entry = this.#entry(channel);
    if (watcher) this.#watch(channel, entry, watcher);
    if (entry.members.has(member.client)) return;
    const encoded = JSON.stringify(member);
    entry.members.set(member.client, { member, encoded });
    const subscriptionsOfUser = (entry.users.get(member.user) ?? 0) + 1;
    entry.users.set(member.user, subscriptionsOfUser);
    if (subscriptionsOfUser === 1) this.#userCounts.adjust(channel, 1);
    this.#counts.adjust(channel, 1);
    if (entry.members.size - entry.unkept.size <= this.#keep) this.#table.set(channel, member.client, encoded);
    else entry.unkept.add(member.client);
    if (this.#pushes(channel, entry)) this.#table.announce({ type: 'add', key: channel, id: member.client, value: encoded });
  }

  /** Removes a member (idempotent) and tells the remaining watchers on every node. */
  leave(channel: string, client: string, watcher: PresenceWatcher | null): void {
    const entry = this.#channels.get(channel);
    if (!entry) return;
    if (watcher && entry.watchers.delete(watcher) && entry.watchers.size === 0) {
      entry.unwatch?.();
      entry.unwatch = null;
    }
    const held = entry.members.get(client);
    if (held) {
      entry.members.delete(client);
      this.#counts.adjust(channel, -1);
      const n = (entry.users.get(held.member.user) ?? 1) - 1;
      if (n <= 0) {
        entry.users.delete(held.member.user);
        this.#userCounts.adjust(channel, -1);
      } else entry.users.set(held.member.user, n);
      if (!entry.unkept.delete(client)) {
        this.#table.delete(channel, client);
        this.#keepNext(channel, entry);
      }
      if (this.#pushes(channel, entry)) this.#table.announce({ type: 'remove', key: channel, id: client, value: held.encoded });
    }
    if (entry.members.size === 0 && entry.watchers.size === 0) this.#channels.delete(channel);
  }

  /**
   * Counts always (no I/O); with `listMembers`, at most `maxListed` members of every node, read from
   * the member table (rejects when it cannot be read).
   */
  async snapshot(channel: string, listMembers: boolean, maxListed: number): Promise<PresenceSnapshot> {
    const users = Math.max(this.#userCounts.count(channel), this.#channels.get(channel)?.users.size ?? 0);
    if (!listMembers) return { count: this.#count(channel), users };
    const listed = await this.#table.list(channel, maxListed);
    const members: Member[] = [];
    for (const { value } of listed.members) {
      const member = decodeMember(value);
      if (member) members.push(member);
    }
    const counted = this.#count(channel);
    // A node past `keep` members lists only those it keeps (`keep` may equal maxListed): then the
    // count, past what any reply lists, tells the listing is partial.
    const truncated = listed.truncated || (counted > members.length && counted > maxListed);
    // The count lags a remote change by one sync; a listing of every member is exact, so it wins.
    return { count: truncated ? counted : members.length, users, members, truncated };
  }

  #count(channel: string): number {
    return Math.max(this.#counts.count(channel), this.#channels.get(channel)?.members.size ?? 0);
  }

  /** Pushes go out while the channel, on every node, has at most maxJoinLeaveMembers members. */
  #pushes(channel: string, entry: ChannelPresence): boolean {
    return Math.max(entry.members.size, this.#counts.count(channel)) <= this.#bounds.maxJoinLeaveMembers;
  }

  /**
   * A kept member left: while fewer than maxMembersListed are kept, an unkept one takes its place
   * (listings stay full). No more: a member ever pushed as joined was kept when it joined (pushes
   * need at most maxJoinLeaveMembers ≤ `keep` members) and stays kept until it leaves, so a dead
   * node's leaves are pushed without topping up to `keep`.
   */
  #keepNext(channel: string, entry: ChannelPresence): void {
    if (entry.members.size - entry.unkept.size >= this.#bounds.maxMembersListed) return;
    const next = entry.unkept.take();
    if (next === undefined) return;
    const held = entry.members.get(next);
    if (held) this.#table.set(channel, next, held.encoded);
  }

  #watch(channel: string, entry: ChannelPresence, watcher: PresenceWatcher): void {
    entry.watchers.add(watcher);
    entry.unwatch ??= this.#table.watch(channel, (event) => this.#deliver(entry, event));
  }

  #deliver(entry: ChannelPresence, event: MemberEvent): void {
    const member = decodeMember(event.value);
    if (!member) return;
    const type = event.type === 'add' ? 'join' : 'leave';
    for (const w of [...entry.watchers]) w.presenceEvent(type, event.key, member);
  }

  #entry(channel: string): ChannelPresence {
    let entry = this.#channels.get(channel);
    if (!entry) {
      entry = { members: new Map(), unkept: new RandomBag(), users: new Map(), watchers: new Set(), unwatch: null };
      this.#channels.set(channel, entry);
    }
    return entry;
  }
}

/**
 * Client ids with O(1) add, delete and take-any. `take` picks at random: whichever order members
 * leave in (first-come-first-gone sessions, or bouncing newcomers), the one that takes a kept
 * member's place is then unlikely to be the next to leave, so a mass leave rewrites few entries.
 */
class RandomBag {
  readonly #ids: string[] = [];
  readonly #index = new Map<string, number>();

  get size(): number {
    return this.#ids.length;
  }

  add(id: string): void {
    if (this.#index.has(id)) return;
    this.#index.set(id, this.#ids.length);
    this.#ids.push(id);
  }

  /** True when `id` was in the bag. */
  delete(id: string): boolean {
    const at = this.#index.get(id);
    if (at === undefined) return false;
    const last = this.#ids.pop()!;
    this.#index.delete(id);
    if (last !== id) {
      this.#ids[at] = last;
      this.#index.set(last, at);
    }
    return true;
  }

  /** Any id, removed; undefined when empty. */
  take(): string | undefined {
    if (this.#ids.length === 0) return undefined;
    const id = this.#ids[Math.floor(Math.random() * this.#ids.length)]!;
    this.delete(id);
    return id;
  }
}

/** A member table value back to a Member; null when it is not one (another version's, or damaged). */
function decodeMember(value: string): Member | null {
  try {
    const m = JSON.parse(value) as Partial<Member> | null;
    if (!m || typeof m.client !== 'string' || typeof m.user !== 'string') return null;
    return m.info === undefined ? { client: m.client, user: m.user } : { client: m.client, user: m.user, info: m.info };
  } catch {
    return null;
  }
}
