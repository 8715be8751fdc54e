/**
 * Fixed-rate steps of the Redis scenarios (issue 17): publishes paced every 1 ms (what is due), then
 * a bounded wait until the one subscriber holds them all; and the subscriber's tally of the
 * sequence numbers it got (the `#s<seq>#` marker of message.mjs).
 */
import { readFileSync } from 'node:fs';
import { sleep } from './proc.mjs';

/** Longest wait, after the last publish of a step, for the subscriber to hold every message. */
export const DRAIN_MS = 30_000;
const SEQ = /#s(\d+)#/;

/** The 1-, 5- and 15-minute load averages (/proc/loadavg): the machine is shared, every figure carries them. */
export const loadAvg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Counts the sequences a subscriber got: how many, the last one, and how often one was not last + 1. */
export function seqTally() {
  const tally = {
    last: 0,
    received: 0,
    disorder: 0,
    /** `text`: the message (or its text field) as received */
    onText(text) {
      const m = SEQ.exec(text);
      if (!m) return;
      const seq = Number(m[1]);
      tally.received += 1;
      if (seq !== tally.last + 1 && tally.last !== 0) tally.disorder += 1;
      tally.last = seq;
    },
    /** forget what a warm-up left (its losses are not a step's) */
    reset() {
      tally.received = 0;
      tally.disorder = 0;
    },
  };
  return tally;
}

/**
 * One step: `Math.round(rate × seconds)` calls of `send(seq)` with seq following `lastSeq`, paced
 * every 1 ms, then at most DRAIN_MS until `tally.last` reaches the step's last sequence.
 * @returns {Promise<{ published, lastSeq, received, disorder, sendSeconds, drainSeconds, loadAvg }>}
 */
export async function pacedStep({ rate, seconds, send, tally, lastSeq }) {
  const total = Math.round(rate * seconds);
  const load = loadAvg();
  const received0 = tally.received;
  const disorder0 = tally.disorder;
  let seq = lastSeq;
  let sent = 0;
  const t0 = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
    for (; sent < due; sent++) send(++seq);
    await sleep(1);
  }
  const sendSeconds = (performance.now() - t0) / 1000;
  for (const until = performance.now() + DRAIN_MS; tally.last < seq && performance.now() < until; ) await sleep(5);
  return {
    published: total,
    lastSeq: seq,
    received: tally.received - received0,
    disorder: tally.disorder - disorder0,
    sendSeconds,
    drainSeconds: (performance.now() - t0) / 1000 - sendSeconds,
    loadAvg: load,
  };
}

/** The fields every Redis-scenario row shares, from a pacedStep result. */
export function stepFields(rate, s) {
  return {
    rate,
    published: s.published,
    achievedPerSecond: Math.round(s.published / s.sendSeconds),
    // first publish to last delivery: the rate the node actually sustained end to end
    deliveredPerSecond: Math.round(s.received / (s.sendSeconds + s.drainSeconds)),
    drainSeconds: Number(s.drainSeconds.toFixed(2)),
    delivered: s.received,
    lost: s.published - s.received,
    disorder: s.disorder,
    loadAvg: s.loadAvg,
  };
}

/** µs per message of `seconds` CPU over `n` messages. */
export const usPer = (seconds, n) => Number(((seconds * 1e6) / n).toFixed(2));
