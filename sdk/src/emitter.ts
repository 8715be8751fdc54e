/**
 * A small typed event emitter that runs the same in browsers and Node (no `node:events`, no DOM
 * EventTarget): `on` returns the function that removes the listener. A listener that throws does not
 * stop the others; the error is re-thrown on a later task so it still reaches the host's handler.
 */
export type Listener<T> = (value: T) => void;

/** `Events` maps each event name to its payload type. */
export class Emitter<Events extends { [K in keyof Events]: unknown }> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #onListenerError: (err: unknown) => void;

  /** `onListenerError` receives what a listener threw (default: re-thrown on a later task). */
  constructor(onListenerError: (err: unknown) => void = rethrowLater) {
    this.#onListenerError = onListenerError;
  }

  /** Adds `listener` for `event`; returns the function that removes it (idempotent). */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => this.off(event, listener);
  }

  /** Like `on`, but the listener runs at most once. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(event, (value) => {
      off();
      listener(value);
    });
    return off;
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(event)?.delete(listener as Listener<never>);
  }

  /** Calls every listener of `event` in the order they were added (a copy: listeners may remove themselves). */
  emit<K extends keyof Events>(event: K, value: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(value);
      } catch (err) {
        // One broken listener must not starve the others nor the client's own state machine.
        this.#onListenerError(err);
      }
    }
  }

  /** Number of listeners of `event` (for tests and leak checks). */
  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** Resolves with the next `event` value; rejects after `timeoutMs` if given. */
  next<K extends keyof Events>(event: K, timeoutMs?: number): Promise<Events[K]> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const off = this.once(event, (value) => {
        if (timer !== undefined) clearTimeout(timer);
        resolve(value);
      });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          off();
          reject(new Error(`no '${String(event)}' event within ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
  }
}

function rethrowLater(err: unknown): void {
  setTimeout(() => {
    throw err;
  }, 0);
}
