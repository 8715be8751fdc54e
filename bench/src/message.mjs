/**
 * The bench payload: a valid match-dialect message (spec 0.1.1 `event.commentary`) of an exact
 * size, whose text carries the marker the load generator reads: `#t<publish µs>#s<sequence>#`.
 * The publish time is CLOCK_MONOTONIC in µs (`process.hrtime`), the clock loadgen.c reads.
 */

/** µs on CLOCK_MONOTONIC, shared with the C load generator. */
export function monoMicros() {
  return process.hrtime.bigint() / 1000n;
}

/**
 * @param {number} seq   1-based sequence number, rising across a run
 * @param {number} t     match time in ms (rising)
 * @param {number} size  total bytes of the JSON text
 */
export function buildMessage(seq, t, size) {
  const head = `{"type":"event.commentary","t":${t},"text":"#t${monoMicros()}#s${seq}#`;
  const tail = '"}';
  const pad = size - head.length - tail.length;
  return pad > 0 ? head + 'x'.repeat(pad) + tail : head + tail;
}

/** A valid MatchInit (the channel's snapshot: StreamHub refuses subscribers of a match without one). */
export function matchInit(matchId) {
  const team = (id, primary) => ({ id, name: id.toUpperCase(), kit: { primary, secondary: '#FFFFFF' }, players: [] });
  return {
    type: 'match.init',
    spec_version: '0.1.1',
    match_id: matchId,
    sport: 'soccer',
    field: { length: 105, width: 68, units: 'm' },
    teams: [team('home', '#6CABDD'), team('away', '#DA291C')],
    start_time: new Date().toISOString(),
  };
}
