/**
 * Waits for a condition that becomes true through I/O we cannot hook (a producer timer, a
 * remote node). It re-checks on a short interval and fails with `what` after the deadline; it
 * never passes just because time went by.
 */
export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 5_000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
