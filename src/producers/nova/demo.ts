/**
 * The nova demo stream (DESIGN.md: `npm start` runs stream 550e8400-e29b-41d4-a716-446655440000).
 * One cycle exercises every control operation: start, bitrate updates every 5 s, a quality drop
 * and its recovery, a recoverable error, and the end; it starts again after a short pause, so the
 * stream is live for most of each cycle.
 */
import { systemClock, type Clock } from '../../core/index.js';
import type { NovaControl } from '../../dialects/nova/index.js';

/** One step of the demo cycle, `atMs` after the cycle starts. */
export interface NovaDemoStep {
  readonly atMs: number;
  readonly run: (control: NovaControl, streamId: string) => Promise<unknown>;
}

const START = {
  broadcaster_id: 'demo-broadcaster',
  broadcaster_name: 'StreamHub Demo',
  title: 'StreamHub demo stream',
  description: 'A synthetic live stream exercising every nova event',
  quality: '1080p',
  fps: 60,
  bitrate_kbps: 5000,
} as const;

/** The demo's cycle length: live from 0 to 100 s, ended from 100 s to 110 s. */
export const NOVA_DEMO_CYCLE_MS = 110_000;

/** The demo timeline, in order. Exported so tests can check it covers every operation. */
export const NOVA_DEMO_STEPS: readonly NovaDemoStep[] = buildSteps();

function buildSteps(): NovaDemoStep[] {
  const steps: NovaDemoStep[] = [
    { atMs: 0, run: (c, id) => c.start(id, START) },
    { atMs: 30_000, run: (c, id) => c.changeQuality(id, { new_quality: '720p', new_bitrate_kbps: 3000, fps: 60, reason: 'adaptive_bitrate' }) },
    { atMs: 55_000, run: (c, id) => c.changeQuality(id, { new_quality: '1080p', new_bitrate_kbps: 5000, fps: 60, reason: 'broadcaster_changed' }) },
    {
      atMs: 72_500,
      run: (c, id) =>
        c.reportError(id, {
          error_code: 'RTMP_CONNECTION_LOST',
          error_message: 'Broadcaster connection interrupted, reconnecting',
          severity: 'warning',
          recoverable: true,
          suggested_action: 'No action needed; playback resumes shortly',
        }),
    },
    { atMs: 100_000, run: (c, id) => c.end(id, { reason: 'broadcaster_ended' }) },
  ];
  // Bitrate every 5 s (seed: "Every 5-10 seconds"), wobbling around the target so `health` varies.
  const wobble = [0.97, 0.93, 0.85, 0.99, 0.72, 0.95, 0.6, 0.91, 0.45, 0.98];
  for (let at = 5_000, i = 0; at < 100_000; at += 5_000, i++) {
    if (steps.some((s) => s.atMs === at)) continue;
    const target = at > 30_000 && at < 55_000 ? 3000 : 5000;
    const current = Math.round(target * wobble[i % wobble.length]!);
    steps.push({ atMs: at, run: (c, id) => c.updateBitrate(id, { current_bitrate_kbps: current }) });
  }
  return steps.sort((a, b) => a.atMs - b.atMs);
}

/**
 * Runs the demo until `signal` aborts. A failing step is skipped (the next one runs on time);
 * a stream found already live at a cycle's start is ended first, so a restart never wedges the demo.
 */
export function startNovaDemo(control: NovaControl, options: { streamId: string; clock?: Clock }, signal: AbortSignal): void {
  const clock = options.clock ?? systemClock;
  const { streamId } = options;
  let timer: unknown = null;
  let cycleStart = clock.now();
  let index = 0;

  const schedule = () => {
    if (signal.aborted) return;
    if (index >= NOVA_DEMO_STEPS.length) {
      index = 0;
      // After a long pause (suspended host), restart from now instead of replaying missed cycles.
      cycleStart = Math.max(cycleStart + NOVA_DEMO_CYCLE_MS, clock.now());
    }
    const step = NOVA_DEMO_STEPS[index]!;
    const delay = cycleStart + step.atMs - clock.now();
    const fire = () => {
      timer = null;
      void runStep(step).finally(() => {
        index += 1;
        schedule();
      });
    };
    // A step already due runs now (the first start, or one late after a slow step), not a tick later.
    if (delay <= 0) queueMicrotask(fire);
    else timer = clock.setTimeout(fire, delay);
  };

  const runStep = async (step: NovaDemoStep) => {
    if (signal.aborted) return;
    try {
      if (step.atMs === 0 && control.info(streamId)?.status === 'active') await control.end(streamId, { reason: 'session_timeout' });
      await step.run(control, streamId);
    } catch {
      // The demo is best effort: a refused step (e.g. stream ended by an operator) is skipped.
    }
  };

  signal.addEventListener(
    'abort',
    () => {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    },
    { once: true },
  );
  schedule();
}
