/**
 * Spec 0.1.1 (protocol-notes §1.4): the public types, and runtime validation of producer input.
 * Validation is exact where the spec is exact (two teams, CSS hex colours, integer `t` ≥ 0,
 * vector lengths, enums) and tolerant where the versioning rule asks for it: unknown fields are
 * kept and forwarded ("renderers must ignore unknown fields"), vendor anim tags `x_*` pass.
 */
import { z } from 'zod';
import type { EventMessage, EventType, MatchInit, SpecMessage, StateFrame } from './spec-types.js';

export type * from './spec-types.js';

/** The spec version this server speaks; sent in `hello.spec_version`. */
export const SPEC_VERSION = '0.1.1';

/** The standard animation tags (notes §1.4). Vendor tags are `x_`-prefixed. */
export const ANIM_TAGS = [
  'idle',
  'walk',
  'run',
  'sprint',
  'kick',
  'pass',
  'header',
  'shoot',
  'tackle',
  'fall',
  'celebrate',
  'throw',
  'catch',
  'dribble',
  'jump',
] as const;

export type ParseResult = { ok: true; message: SpecMessage } | { ok: false; error: string };

// ── primitives ────────────────────────────────────────────────────────────────
const num = z.number(); // zod 4 rejects NaN and ±Infinity
const id = z.string().min(1).max(256);
const text = z.string().max(4096);
const vec2 = z.tuple([num, num]);
const vec3 = z.tuple([num, num, num]);
/** Integer ms since match.init (notes §1.4 "t is integer ms"). */
const t = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0);
const cssHex = z.string().regex(/^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/, 'expected a CSS hex colour like #6CABDD');
const ANIM_SET: ReadonlySet<string> = new Set(ANIM_TAGS);
const animTag = z
  .string()
  .refine((tag) => ANIM_SET.has(tag) || /^x_[A-Za-z0-9_.-]{1,64}$/.test(tag), `expected one of ${ANIM_TAGS.join(', ')} or a vendor tag x_*`);
/** Same major (for 0.x: same minor) as ours: "a major-version mismatch may be refused" (notes §1.4). */
const specVersion = z.string().regex(/^0\.1\.\d+(?:[-+].*)?$/, `unsupported spec_version (this server speaks ${SPEC_VERSION})`);
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time');

// ── MatchInit ─────────────────────────────────────────────────────────────────
const kitColours = z.looseObject({ primary: cssHex, secondary: cssHex, text: cssHex.optional() });
const player = z.looseObject({
  id,
  name: text,
  number: count,
  position: z.string().max(64),
  avatar_uri: text.optional(),
  face_uri: text.optional(),
  rpm_avatar_id: text.optional(),
  meta: z.record(z.string(), z.union([z.string(), num])).optional(),
});
const team = z.looseObject({
  id,
  name: text,
  short_name: text.optional(),
  kit: kitColours.extend({ goalkeeper: kitColours.optional() }),
  players: z.array(player).max(200),
});
const matchInit = z.looseObject({
  type: z.literal('match.init'),
  spec_version: specVersion,
  match_id: z.string().regex(/^[A-Za-z0-9._:-]+$/, 'expected a match id matching ^[A-Za-z0-9._:-]+$').max(256),
  sport: z.enum(['soccer', 'rugby_union', 'rugby_league', 'basketball', 'american_football', 'australian_rules', 'field_hockey']),
  field: z.looseObject({
    length: num.positive(),
    width: num.positive(),
    units: z.enum(['m', 'ft']),
    surface: z.enum(['grass', 'synthetic', 'court', 'clay', 'ice']).optional(),
  }),
  teams: z.tuple([team, team], { error: 'expected exactly 2 teams' }),
  start_time: isoTime,
  venue: text.optional(),
  competition: text.optional(),
  producer: text.optional(),
});

// ── StateFrame ────────────────────────────────────────────────────────────────
const stateFrame = z.looseObject({
  type: z.literal('state'),
  t,
  ball: z.looseObject({ pos: vec3, vel: vec3.optional(), carrier: id.optional() }),
  players: z
    .array(
      z.looseObject({
        id,
        pos: vec2,
        facing: num,
        anim: animTag,
        has_ball: z.boolean().optional(),
        fatigue: num.min(0).max(1).optional(),
      }),
    )
    .max(200),
  period: z.number().int().min(1).optional(),
  clock_display: z.string().max(64).optional(),
});

// ── events ────────────────────────────────────────────────────────────────────
const ev = <T extends EventType, S extends z.ZodRawShape>(type: T, shape: S) => z.looseObject({ type: z.literal(type), t, ...shape });
const score = { home: count, away: count };
const EVENT_SCHEMAS = {
  'event.kickoff': ev('event.kickoff', { team: id }),
  'event.pass': ev('event.pass', { from: id, to: id.optional(), target: vec2, success: z.boolean().optional() }),
  'event.shot': ev('event.shot', { player: id, target: vec3, on_target: z.boolean(), saved: z.boolean().optional() }),
  'event.goal': ev('event.goal', { player: id, team: id, assist: id.optional() }),
  'event.tackle': ev('event.tackle', { player: id, victim: id, success: z.boolean() }),
  'event.foul': ev('event.foul', { player: id, victim: id.optional(), severity: z.enum(['soft', 'yellow', 'red']) }),
  'event.save': ev('event.save', { keeper: id }),
  'event.out_of_bounds': ev('event.out_of_bounds', {
    touched_by: id.optional(),
    restart: z.enum(['throw_in', 'corner', 'goal_kick', 'free_kick', 'penalty']),
  }),
  'event.substitution': ev('event.substitution', { team: id, player_in: id, player_out: id }),
  'event.score_change': ev('event.score_change', score),
  'event.period_start': ev('event.period_start', { period: z.number().int().min(1) }),
  'event.period_end': ev('event.period_end', { period: z.number().int().min(1) }),
  'event.match_end': ev('event.match_end', {}),
  'event.penalty_shootout_start': ev('event.penalty_shootout_start', {}),
  'event.penalty_attempt': ev('event.penalty_attempt', {
    player: id,
    team: id,
    outcome: z.enum(['scored', 'missed', 'saved']),
    keeper: id.optional(),
    target: vec3.optional(),
  }),
  'event.penalty_shootout_end': ev('event.penalty_shootout_end', { winner: id, score: z.looseObject(score) }),
  'event.commentary': ev('event.commentary', { text, speaker: text.optional(), voice_id: text.optional() }),
} as const satisfies Record<EventType, z.ZodType>;

/** Every event type of spec 0.1.1. */
export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];

const SCHEMAS: Record<string, z.ZodType> = { 'match.init': matchInit, state: stateFrame, ...EVENT_SCHEMAS };

/** `teams[1].kit.primary: expected a CSS hex colour…; t: …` (at most three issues). */
function describe(error: z.ZodError): string {
  const parts = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
    return `${path || '(root)'}: ${issue.message}`;
  });
  if (error.issues.length > 3) parts.push(`and ${error.issues.length - 3} more`);
  return parts.join('; ');
}

/**
 * Validates one decoded JSON value as a spec 0.1.1 message. Never throws. The returned message
 * keeps unknown fields (versioning rule), so forwarding it loses nothing a newer renderer wants.
 */
export function parseSpecMessage(value: unknown): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: '(root): expected a JSON object' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, error: 'type: expected a string' };
  const schema = Object.hasOwn(SCHEMAS, type) ? SCHEMAS[type] : undefined;
  if (!schema) return { ok: false, error: `type: unknown message type ${JSON.stringify(type.slice(0, 64))}` };
  const result = schema.safeParse(value);
  if (!result.success) return { ok: false, error: describe(result.error) };
  return { ok: true, message: result.data as SpecMessage };
}

/** A narrowing helper, as in the upstream spec package. */
export const isEvent = (m: SpecMessage): m is EventMessage => m.type.startsWith('event.');
