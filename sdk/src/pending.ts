/**
 * Commands waiting for their reply (PROTOCOL.md §4: a reply carries the command's `id`). Bounded by
 * count; each has a deadline on the injected clock. Commands that are safe to repeat (publish with its
 * idempotency key, history, presence) survive a reconnect and are sent again on the new connection.
 */
import type { Clock } from './clock.js';
import { StreamHubError } from './errors.js';

export interface PendingCommand {
  readonly id: number;
  readonly frame: Readonly<Record<string, unknown>>;
  /** Sent again after a reconnect when true; rejected with `disconnected` when false. */
  readonly resend: boolean;
  /** Sent on the current connection. */
  sent: boolean;
  /** Gets every frame that carries this id; returns true when the command is complete. */
  onReply(frame: Record<string, unknown>): boolean;
  fail(err: StreamHubError): void;
}

export class PendingCommands {
  readonly #clock: Clock;
  readonly #max: number;
  readonly #timeoutMs: number;
  readonly #commands = new Map<number, { command: PendingCommand; timer: unknown }>();
  #nextId = 1;

  constructor(clock: Clock, max: number, timeoutMs: number) {
    this.#clock = clock;
    this.#max = max;
    this.#timeoutMs = timeoutMs;
  }

  get size(): number {
    return this.#commands.size;
  }

  nextId(): number {
    return this.#nextId++;
  }

  /** Registers a command; throws `too_many_pending` past the bound. */
  add(command: PendingCommand): void {
    if (this.#commands.size >= this.#max) {
      throw new StreamHubError('too_many_pending', `more than ${this.#max} commands wait for a reply`, { temporary: true });
    }
    const timer = this.#clock.setTimeout(() => {
      this.#commands.delete(command.id);
      command.fail(new StreamHubError('timeout', `no reply to ${String(command.frame.type)} within ${this.#timeoutMs} ms`, { temporary: true }));
    }, this.#timeoutMs);
    this.#commands.set(command.id, { command, timer });
  }

  /** Routes a reply; returns false when no command has that id (a late reply after a timeout). */
  reply(id: number, frame: Record<string, unknown>): boolean {
    const entry = this.#commands.get(id);
    if (!entry) return false;
    if (entry.command.onReply(frame)) this.#remove(id);
    return true;
  }

  /** Commands not yet sent on the current connection, oldest first. */
  unsent(): PendingCommand[] {
    return [...this.#commands.values()].map((e) => e.command).filter((c) => !c.sent);
  }

  /** The connection ended: repeatable commands wait for the next one, the others fail with `err`. */
  connectionLost(err: StreamHubError): void {
    for (const { command } of [...this.#commands.values()]) {
      if (command.resend) command.sent = false;
      else this.fail(command.id, err);
    }
  }

  fail(id: number, err: StreamHubError): void {
    const entry = this.#commands.get(id);
    if (!entry) return;
    this.#remove(id);
    entry.command.fail(err);
  }

  failAll(err: StreamHubError): void {
    for (const id of [...this.#commands.keys()]) this.fail(id, err);
  }

  #remove(id: number): void {
    const entry = this.#commands.get(id);
    if (!entry) return;
    this.#clock.clearTimeout(entry.timer);
    this.#commands.delete(id);
  }
}
