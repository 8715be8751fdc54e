/**
 * One end of a Node IPC channel: `process` in a worker, a `cluster.Worker` or `ChildProcess` in
 * the primary (or a MessagePort in tests). `send`'s callback runs once the message is written to
 * the channel, which is what flow control counts.
 */
export interface IpcEndpoint {
  send(message: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}
