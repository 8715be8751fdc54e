/**
 * A FIFO with O(1) push and shift, backed by an array whose consumed head is compacted
 * lazily (so a long-lived queue never re-allocates per message).
 */
export class Deque<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  peek(): T | undefined {
    return this.#items[this.#head];
  }

  /** The item `index` places from the head. */
  at(index: number): T | undefined {
    return this.#items[this.#head + index];
  }

  /** Removes the first item matching `predicate`; returns it. O(n), used only on overflow. */
  removeFirst(predicate: (item: T) => boolean): T | undefined {
    for (let i = this.#head; i < this.#items.length; i++) {
      const item = this.#items[i] as T;
      if (predicate(item)) {
        this.#items.splice(i, 1);
        return item;
      }
    }
    return undefined;
  }

  /** Takes every item out, oldest first. */
  drain(): T[] {
    const out = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return out;
  }

  toArray(): T[] {
    return this.#items.slice(this.#head) as T[];
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
