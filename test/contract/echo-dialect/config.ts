/** The `echo` section of the configuration: every bound with its default (PROTOCOL.md). */
import { z } from 'zod';
import { capsSchema, durationMs, port, positiveInt, queueSchema, type EnvBinding } from '../../../src/config/common.js';

export const echoSchema = z
  .object({
    enabled: z.boolean().default(true),
    port: port.default(4099),
    ...capsSchema({ perIpMax: 8, totalMax: 1000 }),
    /** Largest client frame; `ws` closes 1009 past it. */
    maxFrameBytes: positiveInt.max(1 << 20).default(1024),
    /** Messages a channel retains for newcomers. */
    ringSize: positiveInt.max(100_000).default(16),
    /** Wait for the peer's close frame before dropping the socket. */
    closeGraceMs: durationMs.min(1).default(2000),
    queue: queueSchema({ maxMessages: 100, maxBytes: 1 << 20, overflow: 'drop-oldest', stallTimeoutMs: 0 }),
    /** Live messages held per channel while a newcomer's replay is read. */
    maxPendingDuringReplay: positiveInt.default(1024),
  })
  .strict()
  .prefault({});

export type EchoOptions = z.output<typeof echoSchema>;

export const echoEnv: readonly EnvBinding[] = [{ name: 'STREAMHUB_ECHO_PORT', path: 'echo.port', type: 'int' }];
