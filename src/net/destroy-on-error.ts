import type { Duplex } from 'node:stream';

/**
 * The `'error'` listener of an upgrading socket: a reset during the async checks must not crash the
 * process (an `'error'` without a listener is thrown). One shared function, not a closure: a closure
 * made in the upgrade handler would keep that call's scope (the request, its head, the parsed
 * target) alive for as long as the socket lives (issue 19, idle memory per connection).
 */
export function destroyOnError(this: Duplex): void {
  this.destroy();
}
