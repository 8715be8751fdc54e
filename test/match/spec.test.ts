/**
 * Spec 0.1.1 validation (notes §1.4) and the dialect's pure codec (seed 000 control frames),
 * tested on bytes: what a producer sends is UTF-8 JSON, what a renderer gets is exact text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as codec from '../../src/dialects/match/codec.js';
import { backoffDelay, redactUrl } from '../../src/dialects/match/producer-client.js';
import { ANIM_TAGS, EVENT_TYPES, parseSpecMessage, SPEC_VERSION } from '../../src/dialects/match/spec.js';
import { matchInit, state } from './fixtures.js';

/** Parses producer bytes the way ingest does. */
function fromBytes(bytes: Uint8Array) {
  return parseSpecMessage(JSON.parse(new TextDecoder().decode(bytes)));
}
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const error = (value: unknown) => {
  const r = fromBytes(bytes(value));
  assert.equal(r.ok, false, JSON.stringify(value).slice(0, 120));
  return (r as { error: string }).error;
};

const EVENTS: Record<string, object> = {
  'event.kickoff': { team: 'ARG' },
  'event.pass': { from: 'a', to: 'b', target: [1, 2], success: true },
  'event.shot': { player: 'a', target: [52.5, 0, 1.2], on_target: true, saved: false },
  'event.goal': { player: 'a', team: 'ARG', assist: 'b' },
  'event.tackle': { player: 'a', victim: 'b', success: true },
  'event.foul': { player: 'a', victim: 'b', severity: 'yellow' },
  'event.save': { keeper: 'k' },
  'event.out_of_bounds': { touched_by: 'a', restart: 'corner' },
  'event.substitution': { team: 'ARG', player_in: 'c', player_out: 'a' },
  'event.score_change': { home: 3, away: 3 },
  'event.period_start': { period: 5 },
  'event.period_end': { period: 2 },
  'event.match_end': {},
  'event.penalty_shootout_start': {},
  'event.penalty_attempt': { player: 'a', team: 'ARG', outcome: 'scored', keeper: 'k', target: [52.5, 1, 1] },
  'event.penalty_shootout_end': { winner: 'ARG', score: { home: 4, away: 2 } },
  'event.commentary': { text: 'Goal!', speaker: 'x', voice_id: 'v' },
};

describe('match: spec 0.1.1 validation', () => {
  it('accepts MatchInit, StateFrame and every event type, keeping unknown fields', () => {
    assert.equal(SPEC_VERSION, '0.1.1');
    assert.deepEqual(new Set(EVENT_TYPES), new Set(Object.keys(EVENTS)));
    const init = { ...matchInit('fifa-wc-2022-final-arg-fra'), future_field: { a: 1 } };
    const parsed = fromBytes(bytes(init));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.message, init); // unknown fields are forwarded (versioning rule)
    assert.ok(fromBytes(bytes(state(0))).ok);
    for (const anim of [...ANIM_TAGS, 'x_breakdance']) {
      assert.ok(fromBytes(bytes({ ...state(1), players: [{ id: 'p', pos: [0, 0], facing: 3.1, anim, has_ball: true, fatigue: 0.2 }] })).ok, anim);
    }
    for (const [type, fields] of Object.entries(EVENTS)) assert.ok(fromBytes(bytes({ type, t: 1234, ...fields })).ok, type);
  });

  it('rejects bad shapes with the path in the error', () => {
    const init = matchInit('m');
    assert.match(error({ ...init, teams: [init.teams[0]] }), /^teams: expected exactly 2 teams/);
    assert.match(error({ ...init, teams: [init.teams[0], init.teams[1], init.teams[1]] }), /^teams: expected exactly 2 teams/);
    assert.match(error({ ...init, teams: [init.teams[0], { ...init.teams[1], kit: { primary: 'red', secondary: '#000' } }] }), /^teams\[1\]\.kit\.primary: expected a CSS hex colour/);
    assert.match(error({ ...init, sport: 'cricket' }), /^sport: /);
    assert.match(error({ ...init, field: { length: 105, width: 68, units: 'yd' } }), /^field\.units: /);
    assert.match(error({ ...init, spec_version: '1.0.0' }), /^spec_version: unsupported/);
    assert.match(error({ ...init, match_id: 'a b' }), /^match_id: /);
    assert.match(error({ ...init, start_time: 'yesterday' }), /^start_time: /);
    assert.match(error({ ...state(0), t: 1.5 }), /^t: /);
    assert.match(error({ ...state(0), t: -1 }), /^t: /);
    assert.match(error({ ...state(0), t: '10' }), /^t: /);
    assert.match(error({ ...state(0), ball: { pos: [0, 0] } }), /^ball\.pos: /);
    assert.match(error({ ...state(0), ball: { pos: [0, 0, 0], vel: [1, 2, 3, 4] } }), /^ball\.vel: /);
    assert.match(error({ ...state(0), players: [{ id: 'p', pos: [0, 0, 0], facing: 0, anim: 'run' }] }), /^players\[0\]\.pos: /);
    assert.match(error({ ...state(0), players: [{ id: 'p', pos: [0, 0], facing: 0, anim: 'moonwalk' }] }), /^players\[0\]\.anim: expected one of idle/);
    assert.match(error({ type: 'event.foul', t: 1, player: 'p', severity: 'orange' }), /^severity: /);
    assert.match(error({ type: 'event.pass', t: 1, from: 'a', target: [1] }), /^target: /);
    assert.match(error({ type: 'event.penalty_shootout_end', t: 1, winner: 'A', score: { home: 1 } }), /^score\.away: /);
    assert.match(error({ type: 'event.teleport', t: 1 }), /^type: unknown message type "event\.teleport"/);
    assert.match(error({ t: 1 }), /^type: expected a string/);
    assert.match(error([1, 2]), /^\(root\): expected a JSON object/);
    assert.match(error(null), /^\(root\): expected a JSON object/);
    assert.match(error({ type: '__proto__' }), /^type: unknown message type/);
  });
});

describe('match: codec', () => {
  it('encodes hello, x_keepalive and x_error exactly', () => {
    assert.equal(
      codec.encodeHello({ matchId: 'fifa-wc-2022-final-arg-fra', serverTimeMs: 1778430000000, ringSize: 1024, replayWindowMs: 60000 }),
      '{"type":"hello","spec_version":"0.1.1","match_id":"fifa-wc-2022-final-arg-fra","server_time_ms":1778430000000,"ring_size":1024,"replay_window_ms":60000}',
    );
    assert.equal(codec.encodeKeepalive(5), '{"type":"x_keepalive","server_time_ms":5}');
    assert.equal(codec.encodeError('per_ip'), '{"type":"x_error","error":"per_ip"}');
    assert.equal(codec.encodeError('invalid_message', 't: bad'), '{"type":"x_error","error":"invalid_message","detail":"t: bad"}');
    assert.deepEqual(codec.MatchClose.perIp, { code: 1013, reason: 'rate_limit:per_ip' });
    assert.deepEqual(codec.MatchClose.total, { code: 1013, reason: 'rate_limit:total' });
    assert.deepEqual(codec.MatchClose.overrun, { code: 1011, reason: 'subscriber overrun' });
  });

  it('encodes a spec message once, as its JSON bytes', () => {
    const message = state(42);
    assert.equal(new TextDecoder().decode(codec.encodeSpecMessage(message)), JSON.stringify(message));
  });

  it('parses /v1/match/<match_id> with the seed regex and strips the query string', () => {
    assert.equal(codec.parseMatchPath('/v1/match/fifa-wc-2022-final-arg-fra'), 'fifa-wc-2022-final-arg-fra');
    assert.equal(codec.parseMatchPath('/v1/match/a.b:c_d-E9?token=x'), 'a.b:c_d-E9');
    for (const bad of ['/v1/match/', '/v1/match/a/b', '/v1/match/a%20b', '/v1/match/é', '/v1/matches/a', '/', undefined, `/v1/match/${'a'.repeat(257)}`]) {
      assert.equal(codec.parseMatchPath(bad), null, String(bad));
    }
    assert.equal(codec.queryParam('/v1/ingest?token=a%2Bb&match_id=m', 'token'), 'a+b');
    assert.equal(codec.queryParam('/v1/ingest', 'token'), null);
  });

  it('classifies retention: MatchInit snapshot, sticky events pinned, the rest ring data', () => {
    const ev = (type: string, extra: object = {}) => parseSpecMessage({ type, t: 1, ...EVENTS[type], ...extra });
    const kind = (r: ReturnType<typeof parseSpecMessage>, sticky = true) => (r.ok ? codec.kindOf(r.message, sticky) : r.error);
    assert.equal(kind(parseSpecMessage(matchInit('m'))), 'snapshot');
    assert.equal(kind(parseSpecMessage(state(1))), 'data');
    for (const type of ['event.score_change', 'event.period_start', 'event.period_end', 'event.substitution', 'event.match_end', 'event.penalty_shootout_start', 'event.penalty_attempt', 'event.penalty_shootout_end']) {
      assert.equal(kind(ev(type)), 'pinned', type);
      assert.equal(kind(ev(type), false), 'data', type);
    }
    assert.equal(kind(ev('event.foul', { severity: 'red' })), 'pinned');
    assert.equal(kind(ev('event.foul', { severity: 'yellow' })), 'data');
    for (const type of ['event.pass', 'event.shot', 'event.goal', 'event.kickoff', 'event.commentary']) assert.equal(kind(ev(type)), 'data', type);
    const init = parseSpecMessage(matchInit('m'));
    assert.ok(init.ok);
    assert.equal(codec.timeOf(init.message), 0);
  });

  it('splits NDJSON ingest frames and reports bad lines one by one', () => {
    assert.deepEqual(codec.splitIngestFrame('{"a":1}'), [{ ok: true, value: { a: 1 } }]);
    assert.deepEqual(codec.splitIngestFrame('{"a":1}\n\n{"b":2}\r\n{oops\n'), [
      { ok: true, value: { a: 1 } },
      { ok: true, value: { b: 2 } },
      { ok: false, error: 'not valid JSON' },
    ]);
    assert.deepEqual(codec.splitIngestFrame('   '), []);
  });

  it('backs off 500 ms → 8 s with up to 25 % jitter, and redacts producer URLs', () => {
    const s = { minMs: 500, maxMs: 8_000, jitter: 0.25 };
    assert.deepEqual([0, 1, 2, 3, 4, 5, 10].map((a) => backoffDelay(a, s, () => 0)), [500, 1000, 2000, 4000, 8000, 8000, 8000]);
    assert.equal(backoffDelay(0, s, () => 1), 625);
    assert.equal(backoffDelay(9, s, () => 1), 10_000);
    assert.equal(redactUrl('ws://user:pw@127.0.0.1:4001/feed?token=abc'), 'ws://127.0.0.1:4001/feed');
  });
});
