/*
 * loadgen: a compact epoll WebSocket subscriber load generator for the StreamHub bench (issue #8).
 *
 * Opens N client connections to ONE loopback server (HTTP/1.1 upgrade [RFC 6455 §4.1], then reads
 * frames), parses frame boundaries [RFC 6455 §5.2], and for every message that carries the bench
 * marker `#t<publish µs, CLOCK_MONOTONIC>#s<sequence>#` records publish→receive latency, per
 * connection order (gaps, duplicates) and counts. It reports its own CPU time (getrusage), so the
 * report can show that the load generator is not the bottleneck.
 *
 * Modes: `ws` (plain WebSocket: StreamHub, the naive ws peer, nchan) and `sio` (Socket.IO 4 over
 * the Engine.IO v4 websocket transport: answers the open packet with `40`, pings `2` with `3`).
 *
 * Control on stdin, one command a line; answers on stdout, one JSON object a line:
 *   reset <lo> <hi>   zero the counters; count messages whose sequence is in [lo, hi)
 *   report            print the counters since the last reset
 *   quit              close everything and exit
 * Scenario options: a `%d` in --path with --group G gives connection i channel i / G (S2);
 * --range LO HI counts from the start and --until-each K prints `until_each` once every connection
 * holds K of them (S4: time to replay); --send-on-open TEXT (repeatable, in order; aliases --emit and
 * --sio-emit) is sent as a text frame once the connection is open: in ws mode right after the
 * upgrade (elstat's subscribe op; the streamhub protocol's `connect` frame with its `subscribe`
 * items, issue 18), in sio mode after the namespace connect (S5 spectra `logon`). A `%d` in TEXT
 * is replaced like the one in --path (connection i gets i / --group).
 * The process exits by itself on stdin EOF or after --max-seconds (every loop here is bounded).
 *
 * Build: gcc -O2 -o loadgen loadgen.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum { ST_CONNECTING = 0, ST_UPGRADING, ST_SIO_WAIT, ST_OPEN, ST_CLOSED, ST_FAILED };
enum { MODE_WS = 0, MODE_SIO = 1 };

#define STDIN_TAG UINT32_MAX
#define READ_BUF (1 << 20)
#define HIST_BUCKET_US 10
#define HIST_BUCKETS 1000000 /* 10 µs buckets up to 10 s; later ones land in the last */

typedef struct {
  int fd;
  int state;
  char *carry; /* bytes of an unfinished frame (or HTTP response) kept between reads */
  size_t carry_len, carry_cap;
  uint64_t last_seq;
  uint32_t in_range;
} conn_t;

static struct {
  const char *host, *path;
  int port, conns, mode, src_addrs, max_pending, max_seconds, coalesce_us, group, until_each;
  uint64_t range_lo, range_hi;
} opt = {"127.0.0.1", "/", 0, 100, MODE_WS, 1, 128, 3600, 0, 1, 0, 0, 0};
#define ON_OPEN_MAX 4          /* --send-on-open frames per connection */
#define ON_OPEN_MAX_BYTES 4096 /* each, before %d expansion (a JSON command; a 16-bit frame length) */
static const char *on_open[ON_OPEN_MAX]; /* --send-on-open/--emit/--sio-emit: text frames sent, in order, once the
                                          * connection is open (see the header) */
static int on_open_n;
static int on_open_templated[ON_OPEN_MAX]; /* that text holds one %d (checked like --path) */
static int path_templated; /* --path holds one %d: connection i gets path with i / --group (S2: many channels) */

static conn_t *C;
static int ep;
static char *rbuf;
static uint32_t *hist;
static struct {
  uint64_t lo, hi, received, stale, gaps, dups, bytes, frames, max_us, lat_sum_us;
  uint64_t reset_mono_us, last_rx_mono_us;
  struct rusage ru0;
} S;
static int n_open, n_closed, n_failed, n_started, n_pending;

static uint64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t tv_us(struct timeval tv) { return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec; }

static void conn_fail(conn_t *c, int failed) {
  if (c->state == ST_CLOSED || c->state == ST_FAILED) return;
  if (c->state == ST_OPEN) n_open--;
  if (c->state == ST_CONNECTING || c->state == ST_UPGRADING || c->state == ST_SIO_WAIT) n_pending--;
  c->state = failed ? ST_FAILED : ST_CLOSED;
  if (failed) n_failed++; else n_closed++;
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->carry);
  c->carry = NULL;
  c->carry_len = c->carry_cap = 0;
}

#define SEND_MAX (ON_OPEN_MAX_BYTES + 64) /* largest payload send_frame writes (an expanded --send-on-open) */

/* A masked client frame [RFC 6455 §5.3]: control replies, Engine.IO packets and the --send-on-open
 * commands, so at most SEND_MAX bytes (a 7- or 16-bit length, §5.2). */
static void send_frame(conn_t *c, int opcode, const char *payload, size_t len) {
  unsigned char f[SEND_MAX + 8];
  if (len > SEND_MAX) return;
  uint32_t key = (uint32_t)rand();
  unsigned char *m = (unsigned char *)&key;
  size_t hl = 2;
  f[0] = 0x80 | (unsigned char)opcode;
  if (len <= 125) f[1] = 0x80 | (unsigned char)len;
  else {
    f[1] = 0x80 | 126;
    f[2] = (unsigned char)(len >> 8);
    f[3] = (unsigned char)len;
    hl = 4;
  }
  memcpy(f + hl, m, 4);
  hl += 4;
  for (size_t i = 0; i < len; i++) f[hl + i] = (unsigned char)payload[i] ^ m[i & 3];
  ssize_t w = write(c->fd, f, hl + len);
  (void)w; /* a fresh or idle socket takes a few KiB; a short write means the connection is lost anyway */
}

/* The --send-on-open frames of connection c, in order (a %d expanded like --path's). */
static void send_on_open(conn_t *c) {
  char text[SEND_MAX + 1];
  for (int k = 0; k < on_open_n; k++) {
    if (on_open_templated[k]) {
      int n = snprintf(text, sizeof text, on_open[k], (int)(c - C) / opt.group);
      if (n > 0 && (size_t)n < sizeof text) send_frame(c, 1, text, (size_t)n);
    } else {
      send_frame(c, 1, on_open[k], strlen(on_open[k]));
    }
  }
}

static void mark_open(conn_t *c) {
  c->state = ST_OPEN;
  n_pending--;
  n_open++;
}

static uint64_t parse_digits(const char *p, const char *end, const char **after) {
  uint64_t v = 0;
  while (p < end && *p >= '0' && *p <= '9') v = v * 10 + (uint64_t)(*p++ - '0');
  *after = p;
  return v;
}

/* One complete message payload: find the marker, count it. */
static void on_message(conn_t *c, const char *p, size_t len, uint64_t now) {
  if (opt.mode == MODE_SIO) {
    if (len == 1 && p[0] == '2') { send_frame(c, 1, "3", 1); return; } /* Engine.IO ping → pong */
    if (c->state == ST_SIO_WAIT) {
      if (len >= 1 && p[0] == '0') { send_frame(c, 1, "40", 2); return; } /* open → connect namespace */
      if (len >= 2 && p[0] == '4' && p[1] == '0') {
        mark_open(c);
        send_on_open(c);
        return;
      }
      if (len >= 2 && p[0] == '4' && p[1] == '4') { conn_fail(c, 1); return; } /* connect_error */
    }
  }
  const char *end = p + len;
  const char *m = memmem(p, len, "#t", 2);
  if (!m) return;
  const char *q;
  uint64_t ts = parse_digits(m + 2, end, &q);
  if (q + 2 > end || q[0] != '#' || q[1] != 's') return;
  uint64_t seq = parse_digits(q + 2, end, &q);
  S.frames++;
  if (c->last_seq != 0) {
    if (seq <= c->last_seq) S.dups++;
    else if (seq > c->last_seq + 1) S.gaps += seq - c->last_seq - 1;
  }
  if (seq > c->last_seq) c->last_seq = seq;
  if (seq < S.lo || seq >= S.hi) { S.stale++; return; }
  S.received++;
  c->in_range++;
  uint64_t lat = now > ts ? now - ts : 0;
  S.lat_sum_us += lat;
  if (lat > S.max_us) S.max_us = lat;
  uint64_t b = lat / HIST_BUCKET_US;
  hist[b < HIST_BUCKETS ? b : HIST_BUCKETS - 1]++;
}

/* Parses as many whole frames as `buf` holds; returns the bytes consumed. */
static size_t parse_frames(conn_t *c, const char *buf, size_t len, uint64_t now) {
  size_t off = 0;
  while (len - off >= 2 && c->state != ST_CLOSED && c->state != ST_FAILED) {
    const unsigned char *h = (const unsigned char *)buf + off;
    int opcode = h[0] & 0x0f;
    uint64_t plen = h[1] & 0x7f;
    size_t hl = 2;
    if (h[1] & 0x80) hl += 4; /* servers never mask, but be exact */
    if (plen == 126) {
      if (len - off < 4) break;
      plen = ((uint64_t)h[2] << 8) | h[3];
      hl += 2;
    } else if (plen == 127) {
      if (len - off < 10) break;
      plen = 0;
      for (int i = 0; i < 8; i++) plen = (plen << 8) | h[2 + i];
      hl += 8;
    }
    if (len - off < hl + plen) break;
    const char *payload = buf + off + hl;
    S.bytes += hl + plen;
    if (opcode == 1 || opcode == 2 || opcode == 0) on_message(c, payload, (size_t)plen, now);
    else if (opcode == 9) send_frame(c, 10, payload, (size_t)plen); /* ping → pong [RFC 6455 §5.5.2] */
    else if (opcode == 8) { conn_fail(c, 0); return len; }
    off += hl + (size_t)plen;
  }
  return off;
}

static void keep_carry(conn_t *c, const char *p, size_t n) {
  if (n > c->carry_cap) {
    size_t cap = n < 4096 ? 4096 : n;
    char *nc = realloc(c->carry, cap);
    if (!nc) { conn_fail(c, 1); return; }
    c->carry = nc;
    c->carry_cap = cap;
  }
  memmove(c->carry, p, n);
  c->carry_len = n;
}

static void on_readable(conn_t *c) {
  /* Bounded: at most 16 reads per readiness event, so one busy socket cannot starve the others. */
  for (int round = 0; round < 16 && (c->state == ST_UPGRADING || c->state == ST_SIO_WAIT || c->state == ST_OPEN); round++) {
    size_t have = c->carry_len;
    if (have > READ_BUF / 2) { conn_fail(c, 1); return; }
    if (have) memcpy(rbuf, c->carry, have);
    ssize_t r = read(c->fd, rbuf + have, READ_BUF - have);
    if (r == 0) { conn_fail(c, c->state != ST_OPEN); return; }
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      conn_fail(c, c->state != ST_OPEN);
      return;
    }
    uint64_t now = mono_us();
    S.last_rx_mono_us = now;
    size_t total = have + (size_t)r, off = 0;
    if (c->state == ST_UPGRADING) {
      char *eoh = memmem(rbuf, total, "\r\n\r\n", 4);
      if (!eoh) { keep_carry(c, rbuf, total); continue; }
      if (total < 12 || memcmp(rbuf, "HTTP/1.1 101", 12) != 0) { conn_fail(c, 1); return; }
      off = (size_t)(eoh - rbuf) + 4;
      if (opt.mode == MODE_SIO) c->state = ST_SIO_WAIT;
      else {
        mark_open(c);
        send_on_open(c);
      }
    }
    off += parse_frames(c, rbuf + off, total - off, now);
    if (c->state == ST_CLOSED || c->state == ST_FAILED) return;
    if (off < total) keep_carry(c, rbuf + off, total - off);
    else c->carry_len = 0;
    if ((size_t)r < READ_BUF - have) return; /* drained the socket */
  }
}

static void start_one(int i) {
  conn_t *c = &C[i];
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  n_started++;
  n_pending++;
  c->state = ST_CONNECTING;
  if (c->fd < 0) { c->state = ST_UPGRADING; conn_fail(c, 1); return; }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (opt.src_addrs > 1) {
    /* Several 127.0.0.x sources widen the 4-tuple space; the port is chosen at connect() time. */
    setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = 0};
    src.sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)(i % opt.src_addrs));
    if (bind(c->fd, (struct sockaddr *)&src, sizeof src) != 0) { conn_fail(c, 1); return; }
  }
  struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
  inet_pton(AF_INET, opt.host, &dst.sin_addr);
  struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)i};
  if (connect(c->fd, (struct sockaddr *)&dst, sizeof dst) != 0 && errno != EINPROGRESS) { conn_fail(c, 1); return; }
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void on_writable(conn_t *c, int i) {
  int err = 0;
  socklen_t el = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
  if (err) { conn_fail(c, 1); return; }
  char req[1024], path[512];
  if (path_templated) snprintf(path, sizeof path, opt.path, i / opt.group);
  else snprintf(path, sizeof path, "%s", opt.path);
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   path, opt.host, opt.port);
  if (write(c->fd, req, (size_t)n) != n) { conn_fail(c, 1); return; }
  c->state = ST_UPGRADING;
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static uint64_t percentile(double q) {
  if (S.received == 0) return 0;
  uint64_t want = (uint64_t)(q * (double)S.received);
  if (want >= S.received) want = S.received - 1;
  uint64_t seen = 0;
  for (uint32_t b = 0; b < HIST_BUCKETS; b++) {
    seen += hist[b];
    if (seen > want) return (uint64_t)b * HIST_BUCKET_US + HIST_BUCKET_US / 2;
  }
  return S.max_us;
}

static void do_reset(uint64_t lo, uint64_t hi) {
  memset(hist, 0, sizeof(uint32_t) * HIST_BUCKETS);
  S.lo = lo; S.hi = hi;
  S.received = S.stale = S.gaps = S.dups = S.bytes = S.frames = S.max_us = S.lat_sum_us = 0;
  for (int i = 0; i < n_started; i++) C[i].in_range = 0;
  S.reset_mono_us = mono_us();
  getrusage(RUSAGE_SELF, &S.ru0);
}

static void do_report(const char *event) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  uint64_t now = mono_us();
  uint32_t *counts = malloc(sizeof(uint32_t) * (size_t)(n_open > 0 ? n_open : 1));
  int k = 0;
  for (int i = 0; i < n_started && counts; i++)
    if (C[i].state == ST_OPEN) counts[k++] = C[i].in_range;
  uint32_t cmin = 0, cmax = 0, cmed = 0;
  if (k > 0 && counts) {
    qsort(counts, (size_t)k, sizeof *counts, cmp_u32);
    cmin = counts[0]; cmax = counts[k - 1]; cmed = counts[k / 2];
  }
  free(counts);
  printf("{\"event\":\"%s\",\"open\":%d,\"closed\":%d,\"failed\":%d,\"pending\":%d,\"received\":%lu,\"stale\":%lu,"
         "\"gaps\":%lu,\"dups\":%lu,\"frames\":%lu,\"bytes\":%lu,\"p50_us\":%lu,\"p99_us\":%lu,\"max_us\":%lu,"
         "\"mean_us\":%lu,\"per_conn_min\":%u,\"per_conn_median\":%u,\"per_conn_max\":%u,"
         "\"cpu_user_us\":%lu,\"cpu_sys_us\":%lu,\"wall_us\":%lu,\"idle_us\":%lu}\n",
         event, n_open, n_closed, n_failed, n_pending, S.received, S.stale, S.gaps, S.dups, S.frames, S.bytes,
         percentile(0.50), percentile(0.99), S.max_us, S.received ? S.lat_sum_us / S.received : 0, cmin, cmed,
         cmax, tv_us(ru.ru_utime) - tv_us(S.ru0.ru_utime), tv_us(ru.ru_stime) - tv_us(S.ru0.ru_stime),
         now - S.reset_mono_us, S.last_rx_mono_us ? now - S.last_rx_mono_us : now - S.reset_mono_us);
}

/* Returns 0 to stop. */
static int on_command(char *line) {
  unsigned long long lo, hi;
  if (sscanf(line, "reset %llu %llu", &lo, &hi) == 2) { do_reset(lo, hi); printf("{\"event\":\"reset\"}\n"); return 1; }
  if (strncmp(line, "report", 6) == 0) { do_report("report"); return 1; }
  if (strncmp(line, "quit", 4) == 0) return 0;
  printf("{\"event\":\"error\",\"error\":\"unknown command\"}\n");
  return 1;
}

static void usage(void) {
  fprintf(stderr, "usage: loadgen --port P [--host 127.0.0.1] [--path /] [--conns N] [--mode ws|sio]\n"
                  "               [--src-addrs K] [--max-pending M] [--max-seconds S] [--coalesce-us U]\n"
                  "               [--group G] [--range LO HI] [--until-each K] [--send-on-open TEXT]...\n"
                  "               (--emit, --sio-emit: aliases of --send-on-open)\n");
  exit(2);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) usage();
    if (!strcmp(a, "--host")) opt.host = v;
    else if (!strcmp(a, "--port")) opt.port = atoi(v);
    else if (!strcmp(a, "--path")) opt.path = v;
    else if (!strcmp(a, "--conns")) opt.conns = atoi(v);
    else if (!strcmp(a, "--mode")) opt.mode = !strcmp(v, "sio") ? MODE_SIO : MODE_WS;
    else if (!strcmp(a, "--src-addrs")) opt.src_addrs = atoi(v);
    else if (!strcmp(a, "--max-pending")) opt.max_pending = atoi(v);
    else if (!strcmp(a, "--max-seconds")) opt.max_seconds = atoi(v);
    else if (!strcmp(a, "--coalesce-us")) opt.coalesce_us = atoi(v);
    else if (!strcmp(a, "--group")) opt.group = atoi(v);
    else if ((!strcmp(a, "--send-on-open") || !strcmp(a, "--emit") || !strcmp(a, "--sio-emit")) && on_open_n < ON_OPEN_MAX &&
             strlen(v) <= ON_OPEN_MAX_BYTES) on_open[on_open_n++] = v;
    else if (!strcmp(a, "--until-each")) opt.until_each = atoi(v);
    else if (!strcmp(a, "--range") && i + 2 < argc) { opt.range_lo = strtoull(v, NULL, 10); opt.range_hi = strtoull(argv[i + 2], NULL, 10); i++; }
    else usage();
    i++;
  }
  if (opt.port <= 0 || opt.conns <= 0 || opt.src_addrs <= 0 || opt.src_addrs > 250 || opt.group <= 0) usage();
  {
    /* A templated path carries exactly one %d and no other conversion (it is used as a format). */
    const char *pct = strchr(opt.path, '%');
    if (pct) {
      if (pct[1] != 'd' || strchr(pct + 2, '%') || strlen(opt.path) > 400) usage();
      path_templated = 1;
    }
    /* The same rule for --send-on-open texts, which are used as formats when they hold a %. */
    for (int k = 0; k < on_open_n; k++) {
      const char *p = strchr(on_open[k], '%');
      if (!p) continue;
      if (p[1] != 'd' || strchr(p + 2, '%')) usage();
      on_open_templated[k] = 1;
    }
  }
  struct in_addr check;
  /* Traffic stays on loopback (the bench's rule): refuse anything outside 127.0.0.0/8. */
  if (inet_pton(AF_INET, opt.host, &check) != 1 || (ntohl(check.s_addr) >> 24) != 127) {
    fprintf(stderr, "loadgen: --host must be an IPv4 address in 127.0.0.0/8\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) { rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl); }
  C = calloc((size_t)opt.conns, sizeof *C);
  rbuf = malloc(READ_BUF);
  hist = calloc(HIST_BUCKETS, sizeof *hist);
  if (!C || !rbuf || !hist) { fprintf(stderr, "loadgen: out of memory\n"); return 1; }
  ep = epoll_create1(EPOLL_CLOEXEC);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  struct epoll_event sev = {.events = EPOLLIN, .data.u32 = STDIN_TAG};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &sev);
  do_reset(opt.range_lo, opt.range_hi);

  uint64_t t0 = mono_us(), deadline = t0 + (uint64_t)opt.max_seconds * 1000000u;
  int ready_said = 0, running = 1, until_said = 0;
  char line[256];
  size_t line_len = 0;
  struct epoll_event evs[512];
  while (running && mono_us() < deadline) {
    while (n_started < opt.conns && n_pending < opt.max_pending) start_one(n_started);
    if (!ready_said && n_started == opt.conns && n_pending == 0) {
      ready_said = 1;
      printf("{\"event\":\"ready\",\"open\":%d,\"failed\":%d,\"ms\":%lu}\n", n_open, n_failed, (mono_us() - t0) / 1000);
    }
    if (opt.until_each > 0 && !until_said && n_started == opt.conns) {
      /* S4: the moment every connection holds --until-each messages of --range (its replay). */
      int all = 1;
      for (int i = 0; i < n_started && all; i++) all = C[i].state == ST_OPEN && C[i].in_range >= (uint32_t)opt.until_each;
      if (all) {
        until_said = 1;
        printf("{\"event\":\"until_each\",\"ms\":%.3f,\"open\":%d,\"p50_us\":%lu,\"p99_us\":%lu,\"max_us\":%lu}\n",
               (double)(mono_us() - t0) / 1000.0, n_open, percentile(0.50), percentile(0.99), S.max_us);
      }
    }
    if (n_pending > 0 && mono_us() - t0 > 60000000u) {
      /* Connect phase bound: whatever has not finished its handshake in 60 s counts as failed. */
      for (int i = 0; i < n_started; i++)
        if (C[i].state == ST_CONNECTING || C[i].state == ST_UPGRADING || C[i].state == ST_SIO_WAIT) conn_fail(&C[i], 1);
    }
    int n = epoll_wait(ep, evs, 512, 100);
    for (int e = 0; e < n; e++) {
      uint32_t tag = evs[e].data.u32;
      if (tag == STDIN_TAG) {
        char in[4096];
        ssize_t r = read(0, in, sizeof in);
        if (r == 0) { running = 0; break; }
        for (ssize_t j = 0; j < r; j++) {
          if (in[j] == '\n') {
            line[line_len] = 0;
            line_len = 0;
            if (!on_command(line)) running = 0;
          } else if (line_len < sizeof line - 1) {
            line[line_len++] = in[j];
          }
        }
        continue;
      }
      conn_t *c = &C[tag];
      if (c->state == ST_CONNECTING) {
        if (evs[e].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_writable(c, (int)tag);
      } else if (evs[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        on_readable(c);
      }
    }
    /* While traffic flows, pause before the next epoll_wait instead of blocking in it: each read()
     * then takes what arrived meanwhile (fewer syscalls here), and the server's writes find no
     * sleeper to wake. On loopback a wake-up of this process (an IPI to the other core) is charged
     * to the server's write(), which a real NIC would not do. Costs at most coalesce_us of latency.
     * When nothing arrives, epoll_wait blocks as usual. */
    if (opt.coalesce_us > 0 && n > 0) {
      struct timespec ts = {0, (long)opt.coalesce_us * 1000L};
      nanosleep(&ts, NULL);
    }
  }
  do_report("final");
  for (int i = 0; i < n_started; i++) if (C[i].state != ST_CLOSED && C[i].state != ST_FAILED) close(C[i].fd);
  return 0;
}
