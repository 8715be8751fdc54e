/**
 * Runs operations keyed by stream one at a time, in call order (NovaControl: "operations on one
 * stream are published in call order"), now that each one awaits a cluster lookup first (issue #7).
 * A key's entry is dropped once its chain is idle, so the map is bounded by the calls in flight.
 */
export class KeyedSerial {
  readonly #chains = new Map<string, Promise<unknown>>();

  run<T>(key: string, op: () => Promise<T>): Promise<T> {
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const next = previous.then(op, op);
    const tail = next.catch(() => undefined);
    this.#chains.set(key, tail);
    void tail.then(() => {
      if (this.#chains.get(key) === tail) this.#chains.delete(key);
    });
    return next;
  }
}
