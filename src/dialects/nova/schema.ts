/**
 * Inputs of the stream control operations (the broadcaster side), validated with zod so the
 * HTTP API and the demo share one definition. Field names follow the seed's event fields.
 */
import { z } from 'zod';

const label = z.string().trim().min(1).max(128);
const quality = z.string().trim().min(1).max(32);
const kbps = z.number().int().min(1).max(1_000_000);
const fps = z.number().int().min(1).max(1_000);

/** Seed 001 §stream_ended `reason`. */
const END_REASONS = ['broadcaster_ended', 'connection_lost', 'session_timeout', 'error'] as const;
/** Seed 001 §quality_changed `reason`. */
const QUALITY_REASONS = ['adaptive_bitrate', 'broadcaster_changed', 'network_congestion', 'quality_degradation'] as const;
/** Seed 001 §error `severity`. */
const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
/** Seed 001 §bitrate_update `health`. */
const HEALTHS = ['excellent', 'good', 'fair', 'poor'] as const;

export const startSchema = z
  .object({
    broadcaster_id: label,
    broadcaster_name: label.optional(),
    title: z.string().trim().min(1).max(256),
    description: z.string().max(4_096).default(''),
    quality,
    fps,
    bitrate_kbps: kbps,
  })
  .strict();
export type StartInput = z.input<typeof startSchema>;

export const endSchema = z.object({ reason: z.enum(END_REASONS).default('broadcaster_ended') }).strict();
export type EndInput = z.input<typeof endSchema>;
export type EndReason = (typeof END_REASONS)[number];

export const qualitySchema = z
  .object({
    new_quality: quality,
    new_bitrate_kbps: kbps,
    fps: fps.optional(),
    reason: z.enum(QUALITY_REASONS).default('broadcaster_changed'),
  })
  .strict();
export type QualityInput = z.input<typeof qualitySchema>;

export const bitrateSchema = z
  .object({
    current_bitrate_kbps: z.number().int().min(0).max(1_000_000),
    /** Computed from the target bitrate when absent (seed: > 90 % excellent, 70–90 good, 50–70 fair, < 50 poor). */
    health: z.enum(HEALTHS).optional(),
  })
  .strict();
export type BitrateInput = z.input<typeof bitrateSchema>;

export const errorSchema = z
  .object({
    error_code: z.string().trim().regex(/^[A-Z][A-Z0-9_]{0,63}$/),
    error_message: z.string().trim().min(1).max(1_024),
    severity: z.enum(SEVERITIES).default('error'),
    recoverable: z.boolean().default(true),
    suggested_action: z.string().max(512).optional(),
  })
  .strict();
export type ErrorInput = z.input<typeof errorSchema>;

/** Zod issues as one line, for 400 answers. */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

/** Parses `input` with `schema`; throws `makeError(issues)` when it does not fit. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, makeError: (message: string) => Error): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw makeError(describeIssues(result.error));
  return result.data;
}

/** Wire form of a stream's state on its state channel `nova:<id>:state` (issue #7); validated because it crosses nodes. */
export const streamStateSchema = z.object({
  streamId: z.string().min(1).max(64),
  status: z.enum(['active', 'ended']),
  broadcasterId: z.string(),
  broadcasterName: z.string(),
  title: z.string(),
  description: z.string(),
  quality: z.string(),
  bitrateKbps: z.number(),
  fps: z.number(),
  currentBitrateKbps: z.number().nullable(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  endReason: z.enum(END_REASONS).nullable(),
  peakViewers: z.number().int().min(0),
  finalViewerCount: z.number().int().min(0).nullable(),
});
