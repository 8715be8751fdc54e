// The operator dashboard: polls /api/dashboard (default every second, `?interval=<ms>`), turns the
// running totals into rates and draws them as sparklines. Every value is written with textContent,
// never as HTML, so a channel name cannot inject markup.
import { Series, drawSparkline, sparklineCanvas } from './sparkline.js';

const params = new URLSearchParams(location.search);
const INTERVAL_MS = Math.max(200, Number(params.get('interval')) || 1000);
const TOKEN_KEY = 'streamhub.operatorToken';
/** Rows of channels that disappeared are kept off the page; their series are forgotten after this many polls. */
const FORGET_AFTER_POLLS = 60;

const $ = (selector, root = document) => root.querySelector(selector);
const field = (name, root = document) => $(`[data-field="${name}"]`, root);
const fmt = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

/** Per-key previous totals and rate series. */
const previous = new Map();
const series = new Map();
const lastSeen = new Map();
let lastPoll = null;
let pollCount = 0;

function seriesOf(key) {
  let s = series.get(key);
  if (!s) series.set(key, (s = new Series(60)));
  return s;
}

/** Pushes the rate of a cumulative counter (per second) and returns it. */
function rate(key, total, seconds) {
  const before = previous.get(key);
  previous.set(key, total);
  const value = before === undefined || seconds <= 0 || total < before ? 0 : (total - before) / seconds;
  seriesOf(key).push(value);
  lastSeen.set(key, pollCount);
  return value;
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${fmt.format(n)} ${units[i]}`;
}

function duration(ms) {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function renderTotals(data) {
  const broker = $('#broker');
  broker.textContent = `broker ${data.broker.name}: ${data.broker.ok ? 'healthy' : 'DOWN'}${data.broker.detail ? ` (${data.broker.detail})` : ''}`;
  broker.className = `badge ${data.broker.ok ? 'ok' : 'down'}`;
  field('uptime').textContent = duration(data.uptime_ms);
  field('subscribers').textContent = fmt.format(data.hub.subscribers);
  field('channels').textContent = fmt.format(data.hub.channels_total);
  field('queued').textContent = fmt.format(data.hub.queued_messages);
  field('dropped').textContent = fmt.format(data.hub.dropped_messages);
  field('slow-closes').textContent = fmt.format(data.hub.stall_closes + data.hub.overflow_closes);
  field('loop-lag').textContent = `${fmt.format(data.event_loop.p99Ms)} ms`;
  field('rss').textContent = bytes(data.memory_rss_bytes);
}

/** One card per dialect, created once and updated in place (the canvases keep their drawing). */
function dialectCard(name) {
  let card = $(`.card[data-dialect="${CSS.escape(name)}"]`);
  if (card) return card;
  card = el('article', { class: 'card', 'data-dialect': name });
  const title = el('h3');
  title.append(el('span', {}, name), el('span', { class: 'muted', 'data-field': 'connections' }, '0 conn'));
  card.append(title);
  for (const [key, label, colour] of [
    ['in', 'msg/s in', '#22c55e'],
    ['out', 'msg/s out', '#3b82f6'],
  ]) {
    const row = el('div', { class: 'rate' });
    const text = el('span');
    text.append(el('span', { class: 'label' }, `${label} `), el('strong', { 'data-field': `rate-${key}` }, '0'));
    const canvas = sparklineCanvas(130, 26);
    canvas.dataset.spark = key;
    canvas.dataset.colour = colour;
    row.append(text, canvas);
    card.append(row);
  }
  const dl = el('dl');
  for (const [key, label] of [
    ['channels', 'channels'],
    ['subscriptions', 'subscriptions'],
    ['messages-in-total', 'messages in'],
    ['messages-out-total', 'messages out'],
    ['bytes-out', 'bytes out'],
    ['queue-depth', 'queue depth'],
    ['dropped', 'dropped'],
    ['closes', 'hub closes (code×n)'],
  ]) dl.append(el('dt', {}, label), el('dd', { 'data-field': key }, '0'));
  card.append(dl);
  card.append(el('dl', { class: 'extra', 'data-field': 'extra' }));
  $('#dialects').append(card);
  return card;
}

/** The dialect's own numbers (producers, ingest counts, …), generically: numbers, booleans, short strings, array lengths. */
function renderExtra(dl, stats) {
  dl.replaceChildren();
  for (const [key, value] of Object.entries(stats ?? {})) {
    if (key === 'connections') continue;
    let shown;
    if (typeof value === 'number') shown = fmt.format(value);
    else if (typeof value === 'boolean' || typeof value === 'string') shown = String(value);
    else if (Array.isArray(value)) shown = `${value.length} item${value.length === 1 ? '' : 's'}`;
    else if (value && typeof value === 'object') {
      shown = Object.entries(value)
        .filter(([, v]) => typeof v !== 'object')
        .slice(0, 6)
        .map(([k, v]) => `${k}=${typeof v === 'number' ? fmt.format(v) : v}`)
        .join(' ');
    }
    if (shown === undefined || shown === '') continue;
    dl.append(el('dt', {}, key), el('dd', {}, shown));
  }
}

function renderDialects(data, seconds) {
  for (const d of data.dialects) {
    const card = dialectCard(d.name);
    const inRate = rate(`d:${d.name}:in`, d.traffic.messagesIn, seconds);
    const outRate = rate(`d:${d.name}:out`, d.traffic.messagesOut, seconds);
    field('connections', card).textContent = `${fmt.format(d.stats?.connections ?? 0)} conn`;
    field('rate-in', card).textContent = fmt.format(inRate);
    field('rate-out', card).textContent = fmt.format(outRate);
    field('channels', card).textContent = fmt.format(d.channels);
    field('subscriptions', card).textContent = fmt.format(d.subscriptions);
    field('messages-in-total', card).textContent = fmt.format(d.traffic.messagesIn);
    field('messages-out-total', card).textContent = fmt.format(d.traffic.messagesOut);
    field('bytes-out', card).textContent = bytes(d.traffic.bytesOut);
    field('queue-depth', card).textContent = fmt.format(d.queued ?? 0);
    field('dropped', card).textContent = fmt.format(d.traffic.dropped);
    const closes = Object.entries(d.traffic.closes);
    field('closes', card).textContent = closes.length ? closes.map(([code, n]) => `${code}×${n}`).join(' ') : '0';
    for (const canvas of card.querySelectorAll('canvas[data-spark]')) {
      drawSparkline(canvas, seriesOf(`d:${d.name}:${canvas.dataset.spark}`).values, canvas.dataset.colour);
    }
    renderExtra(field('extra', card), d.stats);
  }
}

function renderChannels(data, seconds) {
  const tbody = $('#channels tbody');
  const rows = new Map([...tbody.rows].map((r) => [r.dataset.channel, r]));
  const order = [];
  for (const c of data.channels) {
    let row = rows.get(c.name);
    if (!row) {
      row = el('tr', { 'data-channel': c.name });
      row.append(el('td', { class: 'name', title: c.name }, c.name), el('td', {}, c.dialect));
      for (const key of ['subscribers', 'rate-in', 'rate-out', 'messages_in', 'messages_sent', 'last_offset']) {
        row.append(el('td', { class: 'num', 'data-field': key }, '0'));
      }
      const cell = el('td');
      cell.append(sparklineCanvas(120, 22));
      row.append(cell);
    }
    rows.delete(c.name);
    const inRate = rate(`c:${c.name}:in`, c.messages_in, seconds);
    const outRate = rate(`c:${c.name}:out`, c.messages_sent, seconds);
    field('subscribers', row).textContent = fmt.format(c.subscribers);
    field('rate-in', row).textContent = fmt.format(inRate);
    field('rate-out', row).textContent = fmt.format(outRate);
    field('messages_in', row).textContent = fmt.format(c.messages_in);
    field('messages_sent', row).textContent = fmt.format(c.messages_sent);
    field('last_offset', row).textContent = String(c.last_offset);
    drawSparkline($('canvas', row), seriesOf(`c:${c.name}:in`).values, '#22c55e');
    order.push(row);
  }
  for (const gone of rows.values()) gone.remove();
  tbody.append(...order);
  const shown = data.channels.length;
  const total = data.hub.channels_total;
  // Without the operator token the server sends counts, not names (issue 20).
  const hidden = data.channels_hidden === true;
  $('#channel-count').textContent = !hidden && total > shown ? `(${shown} busiest of ${total})` : `(${total})`;
  $('#no-channels').hidden = total > 0;
  $('#channels-hidden').hidden = !hidden || total === 0;
}

/** Series of channels that stopped appearing are forgotten, so a long-running page stays bounded. */
function forgetStale() {
  for (const [key, seen] of lastSeen) {
    if (pollCount - seen > FORGET_AFTER_POLLS) {
      lastSeen.delete(key);
      previous.delete(key);
      series.delete(key);
    }
  }
}

async function poll() {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    const res = await fetch('api/dashboard', { headers, cache: 'no-store' });
    if (res.status === 401 || res.status === 503) {
      $('#token-why').textContent = 'This dashboard needs the operator token:';
      $('#token-form').hidden = false;
      $('#token-error').textContent = token ? 'the token was refused' : '';
      field('updated').textContent = 'token needed';
      return;
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const data = await res.json();
    // Public dashboard without a token: offer the token form for channel names, without an error.
    $('#token-why').textContent = 'Channel names need the operator token:';
    $('#token-form').hidden = data.channels_hidden !== true;
    $('#token-error').textContent = '';
    pollCount += 1;
    const seconds = lastPoll === null ? 0 : (data.now - lastPoll) / 1000;
    lastPoll = data.now;
    renderTotals(data);
    renderDialects(data, seconds);
    renderChannels(data, seconds);
    forgetStale();
    field('updated').textContent = `updated ${new Date(data.now).toLocaleTimeString()}`;
    document.body.dataset.polls = String(pollCount);
  } catch (err) {
    field('updated').textContent = `unreachable (${err.message}); retrying`;
  }
}

$('#token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('#token').value.trim());
  void poll();
});

// setTimeout after each answer (not setInterval): a slow server never gets overlapping polls.
async function loop() {
  await poll();
  setTimeout(loop, INTERVAL_MS);
}
void loop();
