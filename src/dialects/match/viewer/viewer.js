// The match viewer: a renderer client of the match stream (seed 000; protocol-notes §1.3–1.4).
// It connects to ws(s)://<same host>/v1/match/<id> (`?match=`, default `demo`), draws every
// StateFrame, keeps the score and period from the events, and reconnects with backoff. A MatchInit
// resets everything (seed 000: "Clients must tolerate seeing MatchInit more than once"), just as
// the upstream client store does (notes §1.3 "Init handling").
import { describeEvent } from './events.js';
import { drawScene, safeColour, textColourOn } from './pitch.js';
import { interpolate } from './scene.js';

const params = new URLSearchParams(location.search);
const MATCH_ID = /^[A-Za-z0-9._:-]{1,256}$/.test(params.get('match') ?? '') ? params.get('match') : 'demo';
/** Reconnect backoff: the upstream producer client's 500 ms → 8 s, doubled per attempt, plus up to 25 % jitter (notes §1.3). */
const BACKOFF_MIN_MS = Math.max(50, Number(params.get('backoff')) || 500);
const BACKOFF_MAX_MS = 8000;
/** The server sends x_keepalive after 30 s of silence (seed 000); silence well past that means a dead link. */
const IDLE_MS = Math.max(1000, Number(params.get('idle')) || 45000);
/** Events kept for the ticker (bounded, newest first). */
const TICKER_MAX = 40;
/** The spec major version this viewer speaks (seed 000: "Inspect spec_version; reject if you can't speak it"). */
const SPEC_MAJOR = 0;

const $ = (s) => document.querySelector(s);
const canvas = $('#pitch');

/** Everything derived from the stream; `reset()` on every MatchInit. */
const state = {
  init: null,
  /** id → {teamIndex, number, name, gk} */
  roster: new Map(),
  score: { home: 0, away: 0 },
  shootout: null,
  period: null,
  ended: false,
  previous: null,
  current: null,
  frames: 0,
  events: [],
};

function reset(init) {
  state.init = init;
  state.roster = new Map();
  (init.teams ?? []).slice(0, 2).forEach((team, teamIndex) => {
    for (const p of team.players ?? []) {
      state.roster.set(p.id, { teamIndex, number: p.number, name: p.name ?? p.id, gk: p.position === 'GK' });
    }
  });
  state.score = { home: 0, away: 0 };
  state.shootout = null;
  state.period = null;
  state.ended = false;
  state.previous = null;
  state.current = null;
  state.events = [];
  renderHeader();
  renderTicker();
}

// ── connection ───────────────────────────────────────────────────────────────────────────

let socket = null;
let attempt = 0;
let idleTimer = null;
let retryTimer = null;

function streamUrl() {
  // Relative to the page, so the viewer also works behind a reverse proxy that mounts it under a prefix.
  const url = new URL(`v1/match/${encodeURIComponent(MATCH_ID)}`, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  return url.toString();
}

function setStatus(status, detail = '') {
  document.body.dataset.status = status;
  $('#status').textContent = detail ? `${status}: ${detail}` : status;
  $('#status').className = `badge ${status}`;
}

function armIdle() {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    setStatus('reconnecting', 'no data');
    socket?.close(4000, 'idle');
  }, IDLE_MS);
}

function connect() {
  clearTimeout(retryTimer);
  setStatus(attempt === 0 ? 'connecting' : 'reconnecting', attempt ? `attempt ${attempt + 1}` : '');
  const ws = new WebSocket(streamUrl());
  socket = ws;
  ws.onopen = () => armIdle();
  ws.onmessage = (event) => {
    if (ws !== socket) return;
    armIdle();
    // seed 000 framing: exactly one JSON object per text message.
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch {
      return;
    }
    if (msg && typeof msg === 'object' && typeof msg.type === 'string') handle(msg);
  };
  ws.onclose = (event) => {
    if (ws !== socket) return;
    clearTimeout(idleTimer);
    socket = null;
    scheduleReconnect(event.code, event.reason);
  };
  ws.onerror = () => {
    // onclose follows and schedules the retry.
  };
}

function scheduleReconnect(code, reason) {
  attempt += 1;
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt - 1, 10));
  const delay = Math.round(base * (1 + Math.random() * 0.25));
  // 1006 without a frame is also what an HTTP 404 at the upgrade (unknown match) looks like.
  const why = code === 1013 ? 'server busy' : code === 1006 ? 'unreachable or unknown match' : `closed ${code}${reason ? ` ${reason}` : ''}`;
  setStatus('reconnecting', `${why}; retry in ${(delay / 1000).toFixed(1)} s`);
  document.body.dataset.reconnects = String(Number(document.body.dataset.reconnects ?? 0) + 1);
  retryTimer = setTimeout(connect, delay);
}

// ── messages ─────────────────────────────────────────────────────────────────────────────

function handle(msg) {
  switch (msg.type) {
    case 'hello': {
      attempt = 0;
      const major = Number(String(msg.spec_version ?? '').split('.')[0]);
      setStatus('live', major === SPEC_MAJOR ? '' : `spec ${msg.spec_version} (viewer speaks ${SPEC_MAJOR}.x)`);
      return;
    }
    case 'x_keepalive':
      return;
    case 'x_error':
      setStatus('reconnecting', `server refused: ${String(msg.error ?? 'error').slice(0, 40)}`);
      return;
    case 'match.init':
      document.body.dataset.inits = String(Number(document.body.dataset.inits ?? 0) + 1);
      reset(msg);
      return;
    case 'state':
      if (!state.init || !Array.isArray(msg.players)) return;
      state.previous = state.current;
      state.current = { frame: msg, at: performance.now() };
      state.frames += 1;
      if (msg.period !== undefined) state.period = msg.period;
      document.body.dataset.frames = String(state.frames);
      document.body.dataset.t = String(msg.t);
      renderClock(msg);
      return;
    default:
      if (msg.type.startsWith('event.')) onEvent(msg);
    // Renderers ignore unknown message types (notes §1.4 versioning rules).
  }
}

function onEvent(ev) {
  switch (ev.type) {
    case 'event.score_change':
      if (Number.isFinite(ev.home) && Number.isFinite(ev.away)) state.score = { home: ev.home, away: ev.away };
      break;
    case 'event.period_start':
      state.period = ev.period;
      break;
    case 'event.match_end':
      state.ended = true;
      break;
    case 'event.penalty_shootout_start':
      state.shootout = { home: 0, away: 0 };
      break;
    case 'event.penalty_attempt':
      if (state.shootout && ev.outcome === 'scored') state.shootout[ev.team === teamId(1) ? 'away' : 'home'] += 1;
      break;
    case 'event.penalty_shootout_end':
      if (ev.score) state.shootout = { home: ev.score.home, away: ev.score.away };
      break;
    default:
      break;
  }
  const text = describeEvent(ev, state.init, state.roster);
  if (text) {
    state.events.unshift({ t: ev.t, text, type: ev.type });
    state.events.length = Math.min(state.events.length, TICKER_MAX);
    renderTicker();
  }
  renderHeader();
}

function teamId(i) {
  return state.init?.teams?.[i]?.id;
}

// ── rendering ────────────────────────────────────────────────────────────────────────────

function clockText(frame) {
  if (typeof frame.clock_display === 'string') return frame.clock_display.slice(0, 16);
  const s = Math.max(0, Math.floor((frame.t ?? 0) / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function renderClock(frame) {
  const clock = clockText(frame);
  if ($('#clock').textContent !== clock) $('#clock').textContent = clock;
  const period = state.ended ? 'FT' : state.period ? `P${state.period}` : '';
  if ($('#period').textContent !== period) $('#period').textContent = period;
}

function renderHeader() {
  const teams = state.init?.teams ?? [];
  for (const [i, side] of [
    [0, 'home'],
    [1, 'away'],
  ]) {
    const team = teams[i];
    $(`#${side}-name`).textContent = team ? (team.short_name ?? team.name ?? team.id) : '–';
    $(`#${side}-kit`).style.background = safeColour(team?.kit?.primary, '#888888');
    $(`#${side}-kit`).style.borderColor = safeColour(team?.kit?.secondary, '#444444');
  }
  $('#score').textContent = `${state.score.home} – ${state.score.away}`;
  $('#shootout').textContent = state.shootout ? `(pens ${state.shootout.home}–${state.shootout.away})` : '';
  $('#title').textContent = state.init ? [state.init.competition, state.init.venue].filter(Boolean).join(' · ') || state.init.match_id : MATCH_ID;
  if (state.ended) $('#period').textContent = 'FT';
}

function renderTicker() {
  const list = $('#ticker');
  list.replaceChildren(
    ...state.events.map((e) => {
      const li = document.createElement('li');
      li.dataset.type = e.type;
      const time = document.createElement('time');
      time.textContent = `${Math.floor((e.t ?? 0) / 60000)}'`;
      li.append(time, document.createTextNode(` ${e.text}`));
      return li;
    }),
  );
}

function lookOf(id) {
  const p = state.roster.get(id);
  const team = state.init?.teams?.[p?.teamIndex ?? -1];
  const kit = p?.gk && team?.kit?.goalkeeper ? team.kit.goalkeeper : team?.kit;
  const primary = safeColour(kit?.primary, '#cccccc');
  return { primary, secondary: safeColour(kit?.secondary, '#333333'), text: safeColour(kit?.text, null) ?? textColourOn(primary), number: p?.number };
}

/** Positions between the last two frames, so 10 Hz frames move smoothly at the display's rate. */
function interpolated() {
  const moving = interpolate(state.previous, state.current, performance.now());
  // Which frame the canvas shows once blending is over: embedding pages and tests wait on it.
  canvas.dataset.drawnT = moving.settled ? String(state.current.frame.t) : '';
  return { players: moving.players.map((p) => ({ ...p, look: lookOf(p.id) })), ball: moving.ball };
}

let lastProjection = null;

function frameLoop() {
  if (state.init) {
    const field = state.init.field && state.init.field.length > 0 && state.init.field.width > 0 ? state.init.field : { length: 105, width: 68, units: 'm' };
    const moving = state.current ? interpolated() : { players: [], ball: null };
    lastProjection = drawScene(canvas, { field, sport: state.init.sport, ...moving });
  }
  requestAnimationFrame(frameLoop);
}

function resize() {
  const ratio = window.devicePixelRatio || 1;
  const rect = canvas.getBoundingClientRect();
  canvas.width = Math.round(rect.width * ratio);
  canvas.height = Math.round(rect.height * ratio);
}

window.addEventListener('resize', resize);
resize();
renderHeader();
requestAnimationFrame(frameLoop);
connect();

/** For embedding pages and tests: the derived state and the pitch → CSS-pixel mapping of the last drawing. */
window.matchViewer = {
  matchId: MATCH_ID,
  state,
  toCanvas: (x, y) => (lastProjection ? [lastProjection.x(x), lastProjection.y(y)] : null),
};
