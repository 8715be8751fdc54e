/** Id and epoch generators, injectable like the clock so tests can fix them. */
export interface IdSource {
  /** A unique id for a connection or subscriber. */
  next(): string;
  /** A fresh epoch: changes whenever continuity of offsets is lost. */
  epoch(): string;
}

let counter = 0;

export const randomIds: IdSource = {
  next: () => `${(++counter).toString(36)}-${globalThis.crypto.randomUUID().slice(0, 8)}`,
  epoch: () => globalThis.crypto.randomUUID().replaceAll('-', '').slice(0, 12),
};

/** Deterministic ids for tests: `s1`, `s2`, … and epochs `e1`, `e2`, … */
export function sequentialIds(): IdSource {
  let id = 0;
  let epoch = 0;
  return { next: () => `s${++id}`, epoch: () => `e${++epoch}` };
}
