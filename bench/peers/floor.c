/*
 * floor: the C fan-out floor of the StreamHub bench (issue 19). One thread, one epoll loop, no
 * history, no auth. It speaks exactly the paths the bench uses for StreamHub's match dialect:
 *   publisher   GET /v1/ingest?match_id=<id>   (also /pub/<id>): every text/binary frame is a message
 *   subscriber  GET /v1/match/<id>             (also /sub/<id>): receives every message published
 *                                                after it joined, in order
 * Fan-out: each published message is framed ONCE (server frame, RFC 6455 §5.2) and appended to the
 * channel's shared byte log. A subscriber is just a read position in that log. After every epoll
 * turn, each subscriber of a channel that got new bytes is sent everything between its position and
 * the log's end with ONE write(): batches grow by themselves with load (the longer a turn, the more
 * the publisher's next read holds). A subscriber whose socket buffer is full keeps its position and
 * is resumed on EPOLLOUT (edge-triggered, registered once: no epoll_ctl on the hot path); the log is
 * trimmed to the slowest subscriber's position. Nothing is copied per subscriber.
 *
 * Handshake: RFC 6455 §4.2.2, Sec-WebSocket-Accept = base64(SHA-1(key + GUID)), with the small
 * SHA-1 (FIPS 180-4) and base64 below.
 *
 * Usage: floor <port> (0: any free port). Listens on 127.0.0.1, prints {"port":N} once listening.
 * Optional env FLOOR_MIN_TURN_US: the least time between two fan-out passes (default 0).
 * Build: gcc -O2 -o floor floor.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- SHA-1 (FIPS 180-4 §6.1), enough for one short handshake string ---- */
static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void sha1(const unsigned char *msg, size_t len, unsigned char out[20]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  size_t total = ((len + 8) / 64 + 1) * 64; /* message + 0x80 + zero padding + 64-bit length */
  unsigned char *m = calloc(1, total);
  if (!m) return;
  memcpy(m, msg, len);
  m[len] = 0x80;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++) m[total - 1 - i] = (unsigned char)(bits >> (8 * i));
  for (size_t blk = 0; blk < total; blk += 64) {
    uint32_t w[80];
    for (int t = 0; t < 16; t++)
      w[t] = (uint32_t)m[blk + 4 * t] << 24 | (uint32_t)m[blk + 4 * t + 1] << 16 | (uint32_t)m[blk + 4 * t + 2] << 8 | m[blk + 4 * t + 3];
    for (int t = 16; t < 80; t++) w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; t++) {
      uint32_t f, k;
      if (t < 20) f = (b & c) | (~b & d), k = 0x5A827999;
      else if (t < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
      else if (t < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
      else f = b ^ c ^ d, k = 0xCA62C1D6;
      uint32_t tmp = rol(a, 5) + f + e + k + w[t];
      e = d, d = c, c = rol(b, 30), b = a, a = tmp;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  }
  free(m);
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 4; j++) out[4 * i + j] = (unsigned char)(h[i] >> (24 - 8 * j));
}

/* ---- base64 (RFC 4648 §4) ---- */
static void base64(const unsigned char *in, size_t len, char *out) {
  static const char T[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
    out[o++] = T[v >> 18 & 63];
    out[o++] = T[v >> 12 & 63];
    out[o++] = i + 1 < len ? T[v >> 6 & 63] : '=';
    out[o++] = i + 2 < len ? T[v & 63] : '=';
  }
  out[o] = 0;
}

/* ---- state ---- */
enum { K_LISTEN = 1, K_HANDSHAKE, K_PUB, K_SUB };
#define IN_CAP (256 * 1024)          /* a publisher's read buffer; also bounds one message */
#define LOG_MAX (256u * 1024 * 1024) /* a channel's log past its slowest subscriber: beyond, that one is cut */

typedef struct channel channel_t;
typedef struct conn {
  int fd, kind, blocked; /* blocked: its last write was short; wait for EPOLLOUT */
  int slot;              /* index in its channel's subs[] */
  channel_t *ch;
  uint64_t pos; /* subscriber: absolute log offset of the next byte to send */
  char *in;     /* handshake / publisher bytes not yet parsed */
  size_t in_len, in_cap;
  struct conn *next_dead; /* closed this turn: freed after the turn (epoll may still name it) */
} conn_t;

struct channel {
  char *name;
  channel_t *next_hash, *next_dirty;
  int dirty;
  char *log; /* framed messages: log[0] is absolute offset `base`; `len` bytes */
  uint64_t base;
  size_t len, cap;
  conn_t **subs;
  int nsubs, subcap;
};

static int ep, max_fds;
static conn_t **conns; /* by fd */
static channel_t *table[4096];
static channel_t *dirty_head;
static conn_t *dead_head;

static uint64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static channel_t *channel_get(const char *name, size_t n) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)name[i]) * 16777619u;
  channel_t **slot = &table[h & 4095];
  for (channel_t *c = *slot; c; c = c->next_hash)
    if (strlen(c->name) == n && memcmp(c->name, name, n) == 0) return c;
  channel_t *c = calloc(1, sizeof *c);
  c->name = strndup(name, n);
  c->next_hash = *slot;
  *slot = c;
  return c;
}

static void mark_dirty(channel_t *ch) {
  if (ch->dirty) return;
  ch->dirty = 1;
  ch->next_dirty = dirty_head;
  dirty_head = ch;
}

static void conn_close(conn_t *c) {
  if (c->kind == K_SUB && c->ch) { /* swap-remove from the channel */
    channel_t *ch = c->ch;
    conn_t *last = ch->subs[--ch->nsubs];
    ch->subs[c->slot] = last;
    last->slot = c->slot;
  }
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  conns[c->fd] = NULL;
  free(c->in);
  c->in = NULL;
  c->kind = 0; /* dead: later events of this turn skip it */
  c->next_dead = dead_head;
  dead_head = c;
}

/* Appends one message, framed once (FIN + opcode, unmasked, 7/16/64-bit length). */
static void publish(channel_t *ch, int opcode, const unsigned char *p, size_t n) {
  unsigned char h[10];
  size_t hl = 2;
  h[0] = (unsigned char)(0x80 | opcode);
  if (n < 126) h[1] = (unsigned char)n;
  else if (n < 65536) h[1] = 126, h[2] = (unsigned char)(n >> 8), h[3] = (unsigned char)n, hl = 4;
  else {
    h[1] = 127, hl = 10;
    for (int i = 0; i < 8; i++) h[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
  }
  if (ch->nsubs == 0) { /* nobody listens: nothing to keep (no history) */
    ch->base += ch->len + hl + n;
    ch->len = 0;
    return;
  }
  if (ch->len + hl + n > ch->cap) {
    size_t cap = ch->cap ? ch->cap : 1 << 20;
    while (cap < ch->len + hl + n) cap *= 2;
    char *nl = realloc(ch->log, cap);
    if (!nl) return;
    ch->log = nl, ch->cap = cap;
  }
  memcpy(ch->log + ch->len, h, hl);
  memcpy(ch->log + ch->len + hl, p, n);
  ch->len += hl + n;
  mark_dirty(ch);
}

/* A publisher's masked client frames (RFC 6455 §5.2/5.3); returns bytes consumed, or -1 to close. */
static long parse_client_frames(conn_t *c, unsigned char *b, size_t len) {
  size_t off = 0;
  while (len - off >= 2) {
    unsigned char *h = b + off;
    int opcode = h[0] & 15, masked = h[1] & 0x80;
    uint64_t n = h[1] & 0x7f;
    size_t hl = 2;
    if (n == 126) {
      if (len - off < 4) break;
      n = (uint64_t)h[2] << 8 | h[3], hl = 4;
    } else if (n == 127) {
      if (len - off < 10) break;
      n = 0;
      for (int i = 0; i < 8; i++) n = n << 8 | h[2 + i];
      hl = 10;
    }
    if (masked) hl += 4;
    if (n > IN_CAP - 64) return -1;
    if (len - off < hl + n) break;
    unsigned char *p = h + hl;
    if (masked)
      for (uint64_t i = 0; i < n; i++) p[i] ^= h[hl - 4 + (i & 3)];
    if (opcode == 8) return -1;
    if (opcode == 1 || opcode == 2) publish(c->ch, opcode, p, (size_t)n); /* fragments are not used by the bench */
    off += hl + (size_t)n;
  }
  return (long)off;
}

static const char *header(const char *req, const char *name) {
  size_t n = strlen(name);
  for (const char *p = strstr(req, "\r\n"); p; p = strstr(p + 2, "\r\n"))
    if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
      p += 3 + n;
      while (*p == ' ') p++;
      return p;
    }
  return NULL;
}

/* The request is complete (c->in holds it, NUL-terminated): answer 101 and become a publisher or subscriber. */
static int upgrade(conn_t *c, size_t req_len) {
  const char *req = c->in;
  if (strncmp(req, "GET ", 4) != 0) return -1;
  const char *path = req + 4, *sp = strchr(path, ' ');
  const char *key = header(req, "Sec-WebSocket-Key");
  if (!sp || !key) return -1;
  size_t plen = (size_t)(sp - path), klen = strcspn(key, "\r\n ");
  const char *name = NULL;
  size_t nlen = 0;
  if (plen > 11 && strncmp(path, "/v1/ingest?", 11) == 0) { /* …?match_id=<id>[&…] */
    const char *q = memmem(path, plen, "match_id=", 9);
    if (q) name = q + 9, nlen = strcspn(name, "& ");
    c->kind = K_PUB;
  } else if (plen > 5 && strncmp(path, "/pub/", 5) == 0) {
    name = path + 5, nlen = strcspn(name, "? "), c->kind = K_PUB;
  } else if (plen > 10 && strncmp(path, "/v1/match/", 10) == 0) {
    name = path + 10, nlen = strcspn(name, "? "), c->kind = K_SUB;
  } else if (plen > 5 && strncmp(path, "/sub/", 5) == 0) {
    name = path + 5, nlen = strcspn(name, "? "), c->kind = K_SUB;
  }
  if (!name || nlen == 0 || klen > 64) return -1;
  char buf[128];
  unsigned char digest[20];
  char accept[32], resp[256];
  memcpy(buf, key, klen);
  memcpy(buf + klen, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
  sha1((unsigned char *)buf, klen + 36, digest);
  base64(digest, 20, accept);
  int rn = snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
  if (write(c->fd, resp, (size_t)rn) != rn) return -1;
  c->ch = channel_get(name, nlen);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  size_t rest = c->in_len - req_len;
  if (c->kind == K_SUB) {
    channel_t *ch = c->ch;
    if (ch->nsubs == ch->subcap) {
      ch->subcap = ch->subcap ? ch->subcap * 2 : 64;
      ch->subs = realloc(ch->subs, sizeof *ch->subs * (size_t)ch->subcap);
    }
    c->slot = ch->nsubs;
    ch->subs[ch->nsubs++] = c;
    c->pos = ch->base + ch->len; /* live from here: no history */
    free(c->in), c->in = NULL, c->in_len = 0;
    /* readable (pongs, close) and writable, edge-triggered: EPOLLOUT fires only after a full buffer drains */
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    return 0;
  }
  char *big = realloc(c->in, IN_CAP); /* a publisher reads in large gulps */
  if (!big) return -1;
  c->in = big, c->in_cap = IN_CAP;
  memmove(c->in, c->in + req_len, rest); /* a publisher may send frames right behind its request */
  c->in_len = rest;
  long used = parse_client_frames(c, (unsigned char *)c->in, c->in_len);
  if (used < 0) return -1;
  memmove(c->in, c->in + used, c->in_len - (size_t)used);
  c->in_len -= (size_t)used;
  return 0;
}

static void on_readable(conn_t *c) {
  if (c->kind == K_SUB) { /* subscribers only ever send pongs or a close: drain and drop */
    char junk[4096];
    for (;;) {
      ssize_t r = read(c->fd, junk, sizeof junk);
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) { conn_close(c); return; }
      if (r < 0 && errno == EAGAIN) return;
    }
  }
  for (int round = 0; round < 64; round++) { /* bounded: a busy publisher cannot starve the pass */
    size_t room = c->in_cap - 1 - c->in_len;
    ssize_t r = read(c->fd, c->in + c->in_len, room);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) { conn_close(c); return; }
    if (r < 0) return;
    c->in_len += (size_t)r;
    if (c->kind == K_HANDSHAKE) {
      c->in[c->in_len] = 0;
      char *eoh = strstr(c->in, "\r\n\r\n");
      if (!eoh) {
        if (c->in_len >= c->in_cap - 1) { conn_close(c); return; }
        continue;
      }
      if (upgrade(c, (size_t)(eoh + 4 - c->in)) < 0) { conn_close(c); return; }
      if (c->kind == K_SUB) return;
      continue;
    }
    long used = parse_client_frames(c, (unsigned char *)c->in, c->in_len);
    if (used < 0) { conn_close(c); return; }
    memmove(c->in, c->in + used, c->in_len - (size_t)used);
    c->in_len -= (size_t)used;
    if ((size_t)r < room) return; /* the socket is drained */
  }
}

/* The fan-out pass: one write() per subscriber with bytes to send; then trim each log. */
static void flush_dirty(void) {
  while (dirty_head) {
    channel_t *ch = dirty_head;
    dirty_head = ch->next_dirty;
    ch->dirty = 0;
    uint64_t end = ch->base + ch->len, lowest = end;
    for (int i = 0; i < ch->nsubs; i++) {
      conn_t *s = ch->subs[i];
      if (!s->blocked && s->pos < end) {
        ssize_t w = write(s->fd, ch->log + (s->pos - ch->base), (size_t)(end - s->pos));
        if (w > 0) s->pos += (uint64_t)w;
        else if (w < 0 && errno != EAGAIN && errno != EINTR) { conn_close(s); i--; continue; }
        if (s->pos < end) s->blocked = 1; /* short write: resume on EPOLLOUT */
      }
      if (s->pos < lowest) lowest = s->pos;
    }
    if (end - lowest > LOG_MAX) { /* one subscriber stopped reading: cut it rather than grow without bound */
      for (int i = 0; i < ch->nsubs; i++)
        if (end - ch->subs[i]->pos > LOG_MAX) conn_close(ch->subs[i]), i--;
      lowest = end;
      for (int i = 0; i < ch->nsubs; i++) if (ch->subs[i]->pos < lowest) lowest = ch->subs[i]->pos;
    }
    size_t drop = (size_t)(lowest - ch->base);
    if (drop == ch->len) ch->len = 0; /* everyone is up to date: the log restarts at its buffer's start */
    else if (drop > ch->len / 2) memmove(ch->log, ch->log + drop, ch->len - drop), ch->len -= drop;
    else drop = 0;
    ch->base += drop;
  }
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) { rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl); }
  max_fds = (int)(rl.rlim_cur > 1 << 20 ? 1 << 20 : rl.rlim_cur);
  conns = calloc((size_t)max_fds, sizeof *conns);
  const char *env = getenv("FLOOR_MIN_TURN_US");
  uint64_t min_turn_us = env ? strtoull(env, NULL, 10) : 0;
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(argc > 1 ? atoi(argv[1]) : 0))};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 4096) || getsockname(lfd, (struct sockaddr *)&a, &al)) {
    perror("floor: listen");
    return 1;
  }
  ep = epoll_create1(0);
  conn_t listener = {.fd = lfd, .kind = K_LISTEN};
  struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &listener};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  printf("{\"port\":%d}\n", ntohs(a.sin_port));
  fflush(stdout);
  struct epoll_event evs[1024];
  uint64_t last_pass = 0;
  for (;;) {
    int n = epoll_wait(ep, evs, 1024, dirty_head ? 0 : -1);
    for (int e = 0; e < n; e++) {
      conn_t *c = evs[e].data.ptr;
      if (c->kind == K_LISTEN) {
        for (int k = 0; k < 256; k++) {
          int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
          if (fd < 0) break;
          if (fd >= max_fds) { close(fd); continue; }
          conn_t *nc = calloc(1, sizeof *nc);
          nc->fd = fd, nc->kind = K_HANDSHAKE, nc->in = malloc(4096), nc->in_cap = 4096; /* a request fits */
          conns[fd] = nc;
          struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
        continue;
      }
      if (c->kind == 0) continue; /* closed earlier in this turn */
      if (c->kind == K_SUB && (evs[e].events & EPOLLOUT) && c->blocked) c->blocked = 0, mark_dirty(c->ch);
      if (evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
    }
    if (min_turn_us) { /* optional: let publishes accumulate into bigger batches */
      uint64_t now = mono_us();
      if (now - last_pass < min_turn_us) {
        struct timespec ts = {0, (long)(min_turn_us - (now - last_pass)) * 1000L};
        nanosleep(&ts, NULL);
      }
      last_pass = mono_us();
    }
    flush_dirty();
    while (dead_head) { /* nothing refers to these any more */
      conn_t *d = dead_head;
      dead_head = d->next_dead;
      free(d);
    }
  }
}
