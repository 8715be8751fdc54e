/** The lifecycle every dialect shares (issue 16 step 3); each file has one purpose. */
export { queueLimitsFrom, type QueueSettings, type SlowConsumerChoice } from './queue-limits.js';
export { drainWithDeadline, delay, endOnceWritten, type DrainOnClose, type WrittenState } from './drain-on-close.js';
export { closeWithGrace, ABNORMAL_CLOSURE, type CloseGrace } from './close-with-grace.js';
export { AppKeepalive, IdleDeadline, Repeat, type AppKeepaliveOptions } from './keepalive.js';
export { PingWatch } from './rfc-ping.js';
export { TimerSweep, sweepOf, type Due } from './timer-sweep.js';
