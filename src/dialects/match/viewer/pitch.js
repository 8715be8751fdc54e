// Drawing of the match on a <canvas>: the pitch, the players in their kits with numbers, the ball.
// Spec 0.1.1 conventions (protocol-notes §1.4): origin at the pitch centre, +x toward teams[1]'s
// goal, +y across the pitch, metres; we draw +y upwards.

/** Metres of grass drawn around the touchlines. */
const MARGIN_M = 4;
const PLAYER_RADIUS_M = 1.25;

/** Maps pitch metres to canvas pixels for a field of `length` × `width` on a canvas of `w` × `h` px. */
export function projection(length, width, w, h) {
  const scale = Math.min(w / (length + 2 * MARGIN_M), h / (width + 2 * MARGIN_M));
  const cx = w / 2;
  const cy = h / 2;
  return {
    scale,
    x: (mx) => cx + mx * scale,
    y: (my) => cy - my * scale,
  };
}

/** Black or white, whichever reads better on the hex colour `hex` (numbers on shirts without a kit text colour). */
export function textColourOn(hex) {
  const digits = hex.length === 4 ? hex.slice(1).replace(/./g, (c) => c + c) : hex.slice(1, 7);
  const v = parseInt(digits, 16);
  const lum = 0.299 * ((v >> 16) & 255) + 0.587 * ((v >> 8) & 255) + 0.114 * (v & 255);
  return lum > 150 ? '#111111' : '#ffffff';
}

/** A CSS colour from the stream, or `fallback` when it is not a plain hex colour (never trust markup-ish strings). */
export function safeColour(value, fallback) {
  return typeof value === 'string' && /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(value) ? value : fallback;
}

function drawSoccerMarkings(ctx, p, L, W) {
  const line = (x1, y1, x2, y2) => {
    ctx.beginPath();
    ctx.moveTo(p.x(x1), p.y(y1));
    ctx.lineTo(p.x(x2), p.y(y2));
    ctx.stroke();
  };
  const rect = (x1, y1, x2, y2) => ctx.strokeRect(p.x(Math.min(x1, x2)), p.y(Math.max(y1, y2)), Math.abs(x2 - x1) * p.scale, Math.abs(y2 - y1) * p.scale);
  const spot = (x, y) => {
    ctx.beginPath();
    ctx.arc(p.x(x), p.y(y), Math.max(1.5, 0.25 * p.scale), 0, Math.PI * 2);
    ctx.fill();
  };
  line(0, -W / 2, 0, W / 2);
  ctx.beginPath();
  ctx.arc(p.x(0), p.y(0), 9.15 * p.scale, 0, Math.PI * 2);
  ctx.stroke();
  spot(0, 0);
  for (const side of [-1, 1]) {
    const goalLine = (side * L) / 2;
    rect(goalLine, -20.16, goalLine - side * 16.5, 20.16); // penalty area
    rect(goalLine, -9.16, goalLine - side * 5.5, 9.16); // goal area
    spot(goalLine - side * 11, 0);
    // The penalty arc: the part of the 9.15 m circle round the spot outside the area.
    const limit = Math.acos(5.5 / 9.15);
    ctx.beginPath();
    const centre = side < 0 ? 0 : Math.PI;
    ctx.arc(p.x(goalLine - side * 11), p.y(0), 9.15 * p.scale, centre - limit, centre + limit);
    ctx.stroke();
    // The goal, 7.32 m wide, drawn 2 m deep behind the line.
    ctx.strokeRect(p.x(side < 0 ? goalLine - 2 : goalLine), p.y(3.66), 2 * p.scale, 7.32 * p.scale);
  }
}

function drawPitch(ctx, p, field, sport) {
  const L = field.length;
  const W = field.width;
  const stripes = 12;
  for (let i = 0; i < stripes; i++) {
    ctx.fillStyle = i % 2 ? '#2f8f3a' : '#2a8434';
    ctx.fillRect(p.x(-L / 2 + (i * L) / stripes), p.y(W / 2), (L / stripes) * p.scale + 1, W * p.scale);
  }
  ctx.strokeStyle = 'rgba(255,255,255,0.9)';
  ctx.fillStyle = 'rgba(255,255,255,0.9)';
  ctx.lineWidth = Math.max(1, 0.12 * p.scale);
  ctx.strokeRect(p.x(-L / 2), p.y(W / 2), L * p.scale, W * p.scale);
  if (sport === 'soccer' && field.units !== 'ft') drawSoccerMarkings(ctx, p, L, W);
  else {
    ctx.beginPath();
    ctx.moveTo(p.x(0), p.y(-W / 2));
    ctx.lineTo(p.x(0), p.y(W / 2));
    ctx.stroke();
  }
}

function drawPlayer(ctx, p, player, look) {
  const px = p.x(player.pos[0]);
  const py = p.y(player.pos[1]);
  const r = Math.max(5, PLAYER_RADIUS_M * p.scale);
  if (player.has_ball) {
    ctx.beginPath();
    ctx.arc(px, py, r + 4, 0, Math.PI * 2);
    ctx.fillStyle = 'rgba(255,235,59,0.55)';
    ctx.fill();
  }
  // Facing: yaw in radians, 0 = +x; screen y points down, so the angle is mirrored.
  if (Number.isFinite(player.facing)) {
    ctx.beginPath();
    ctx.moveTo(px, py);
    ctx.lineTo(px + Math.cos(player.facing) * r * 1.7, py - Math.sin(player.facing) * r * 1.7);
    ctx.strokeStyle = look.secondary;
    ctx.lineWidth = Math.max(1.5, r / 4);
    ctx.stroke();
  }
  ctx.beginPath();
  ctx.arc(px, py, r, 0, Math.PI * 2);
  ctx.fillStyle = look.primary;
  ctx.fill();
  ctx.lineWidth = Math.max(1.5, r / 4);
  ctx.strokeStyle = look.secondary;
  ctx.stroke();
  if (look.number !== undefined) {
    ctx.fillStyle = look.text;
    ctx.font = `bold ${Math.round(r * 1.1)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(String(look.number), px, py + 0.5);
  }
}

function drawBall(ctx, p, ball) {
  const [x, y, z = 0] = ball.pos;
  const r = Math.max(3, 0.45 * p.scale);
  // Shadow on the ground, the ball raised by its height (a simple oblique projection).
  ctx.beginPath();
  ctx.ellipse(p.x(x), p.y(y), r, r * 0.6, 0, 0, Math.PI * 2);
  ctx.fillStyle = 'rgba(0,0,0,0.35)';
  ctx.fill();
  ctx.beginPath();
  ctx.arc(p.x(x), p.y(y) - Math.max(0, z) * p.scale * 0.6, r * (1 + Math.min(z, 10) / 20), 0, Math.PI * 2);
  ctx.fillStyle = '#ffffff';
  ctx.fill();
  ctx.lineWidth = 1;
  ctx.strokeStyle = '#111111';
  ctx.stroke();
}

/**
 * Draws one scene. `scene` = {field, sport, players: [{pos, facing, has_ball, look}], ball} where
 * `look` = {primary, secondary, text, number}.
 */
export function drawScene(canvas, scene) {
  const ctx = canvas.getContext('2d');
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.width / ratio;
  const h = canvas.height / ratio;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.fillStyle = '#256f2e';
  ctx.fillRect(0, 0, w, h);
  const field = scene.field;
  const p = projection(field.length, field.width, w, h);
  drawPitch(ctx, p, field, scene.sport);
  for (const player of scene.players) drawPlayer(ctx, p, player, player.look);
  if (scene.ball) drawBall(ctx, p, scene.ball);
  return p;
}
