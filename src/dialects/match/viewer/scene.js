// Interpolation between StateFrames: producers send 10–30 Hz (protocol-notes §1.4), the display
// runs at its own rate, so positions are blended by the time since the newest frame arrived.

const lerp = (a, b, k) => a + (b - a) * k;

/**
 * Players and ball between `previous` and `current` ({frame, at}), at time `now` (performance.now()),
 * and `settled`: true once the drawing has reached `current` itself.
 * Players without a usable position are left out; a player new in `current` appears where it is.
 */
export function interpolate(previous, current, now) {
  const cur = current.frame;
  const prev = previous?.frame;
  const span = previous ? current.at - previous.at : 0;
  const k = prev && span > 0 ? Math.min(1, (now - current.at) / span) : 1;
  const before = new Map((prev?.players ?? []).map((p) => [p.id, p]));
  const players = cur.players
    .filter((p) => Array.isArray(p.pos))
    .map((p) => {
      const b = before.get(p.id);
      const pos = b && Array.isArray(b.pos) ? [lerp(b.pos[0], p.pos[0], k), lerp(b.pos[1], p.pos[1], k)] : p.pos;
      return { ...p, pos };
    });
  let ball = null;
  if (cur.ball && Array.isArray(cur.ball.pos)) {
    const b = prev?.ball?.pos;
    ball = { pos: b ? cur.ball.pos.map((v, i) => lerp(b[i] ?? v, v, k)) : cur.ball.pos };
  }
  return { players, ball, settled: k >= 1 };
}
