/**
 * Presence of this node's subscriptions (PROTOCOL.md §12): members `{client, user, info}` per
 * channel, counts kept incrementally (O(1) to read, also for 100,000 members), join/leave pushed to
 * watchers while a channel is small enough. Members, users and pushes are this node's; the
 * subscription count is also kept in a coordination counter table, summed over the cluster.
 */
import type { CounterTable } from '../../coordination/ports.js';

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

interface ChannelPresence {
  readonly members: Map<string, Member>;
  /** Subscriptions per user, so that `users` is a counter too. */
  readonly users: Map<string, number>;
  readonly watchers: Set<PresenceWatcher>;
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
  readonly #maxJoinLeaveMembers: number;
  readonly #counts: CounterTable;

  constructor(maxJoinLeaveMembers: number, counts: CounterTable) {
    this.#maxJoinLeaveMembers = maxJoinLeaveMembers;
    this.#counts = counts;
  }

  /** Adds a member (idempotent per client) and tells the watchers. */
  join(channel: string, member: Member, watcher: PresenceWatcher | null): void {
    const entry = this.#entry(channel);
    if (watcher) entry.watchers.add(watcher);
    if (entry.members.has(member.client)) return;
    entry.members.set(member.client, member);
    entry.users.set(member.user, (entry.users.get(member.user) ?? 0) + 1);
    this.#counts.adjust(channel, 1);
    this.#push(entry, 'join', channel, member);
  }

  /** Removes a member (idempotent) and tells the remaining watchers. */
  leave(channel: string, client: string, watcher: PresenceWatcher | null): void {
    const entry = this.#channels.get(channel);
    if (!entry) return;
    if (watcher) entry.watchers.delete(watcher);
    const member = entry.members.get(client);
    if (member) {
      entry.members.delete(client);
      this.#counts.adjust(channel, -1);
      const n = (entry.users.get(member.user) ?? 1) - 1;
      if (n <= 0) entry.users.delete(member.user);
      else entry.users.set(member.user, n);
      this.#push(entry, 'leave', channel, member);
    }
    if (entry.members.size === 0 && entry.watchers.size === 0) this.#channels.delete(channel);
  }

  /** Counts always; at most `maxListed` members when asked. */
  snapshot(channel: string, listMembers: boolean, maxListed: number): PresenceSnapshot {
    const entry = this.#channels.get(channel);
    const count = Math.max(this.#counts.count(channel), entry?.members.size ?? 0);
    const users = entry?.users.size ?? 0;
    if (!listMembers) return { count, users };
    const members: Member[] = [];
    if (entry) {
      for (const m of entry.members.values()) {
        if (members.length >= maxListed) break;
        members.push(m);
      }
    }
    return { count, users, members, truncated: (entry?.members.size ?? 0) > members.length };
  }

  #entry(channel: string): ChannelPresence {
    let entry = this.#channels.get(channel);
    if (!entry) {
      entry = { members: new Map(), users: new Map(), watchers: new Set() };
      this.#channels.set(channel, entry);
    }
    return entry;
  }

  #push(entry: ChannelPresence, type: 'join' | 'leave', channel: string, member: Member): void {
    if (entry.members.size > this.#maxJoinLeaveMembers) return;
    for (const w of entry.watchers) if (w.presenceEvent) w.presenceEvent(type, channel, member);
  }
}
