/**
 * Command-line flags of `npm run bench -- [flags]`. Every flag has a default; `--quick` swaps in
 * a small, fast plan used to check that the bench works end to end.
 */
const SERVERS = ['streamhub', 'streamhub-protocol', 'floor', 'nchan', 'socketio', 'ws'];
const SCENARIOS = ['s1', 's2', 's4', 's5', 'mem', 'redis-publish', 'workers', 'idle-heap', 'cluster', 'pass-cost'];

const FULL = {
  servers: SERVERS,
  subscribers: [1000, 5000],
  runs: 3,
  stepSeconds: 3,
  size: 200,
  memConnections: 10_000,
  startDelivered: 20_000,
  bisections: 3,
  maxP99Ms: 250,
  srcAddrs: 4,
  coalesceUs: 200,
  profile: false,
  skipMemory: false,
  skipBandwidth: false,
  skipDialectMemory: false,
  // S1 is the default; S2 (many channels), S4 (replay storm) and S5 (each dialect) are opt-in
  scenarios: ['s1'],
  channels: 1000,
  perChannel: 10,
  s2Burst: false,
  s4Clients: 1000,
  s4Ring: 1024,
  s5Subscribers: 500,
  s5Rate: 100,
  s5Seconds: 5,
  // redis-publish (issue 17): publish rates of its steps
  redisRates: [2_000, 5_000, 10_000],
  // workers (issue 19): embedded multi-core mode's hand-off cost at these publish rates
  workers: 2,
  workersRates: [1_000, 4_000],
  workersSubscribers: 200,
  serverCores: '0',
  // idle-heap (issue 19): idle subscribers per target, and the targets (bare ws and every dialect)
  idleConnections: 2_000,
  idleTargets: ['ws', 'match', 'nova', 'relay', 'spectra', 'elstat', 'streamhub'],
  // cluster (issue 17): N nodes × M shards beside Socket.IO + the streams adapter; rates are publishes/s over all channels
  // 3 nodes: node CPU per delivery from two non-ingest nodes in the same step (src/capacity-model.mjs)
  clusterNodes: [3],
  clusterShards: [1, 3],
  clusterRates: [1_000, 4_000],
  clusterChannels: 64,
  clusterViewers: 128,
  clusterExtraViewers: 1_024,
  clusterReaders: 64,
  // pass-cost (issue 19): paced publish rates (messages/s per channel) where nothing batches; S2 beside S1 unless --pass-cost-no-s2
  passCostRates: [20, 80, 320],
  passCostS2Rates: [8],
  passCostS2: true,
};

const QUICK = {
  ...FULL,
  subscribers: [200],
  runs: 1,
  stepSeconds: 1,
  memConnections: 2_000,
  bisections: 2,
  channels: 100,
  perChannel: 5,
  s4Clients: 200,
  s5Subscribers: 100,
  s5Seconds: 2,
};

const BOOLEAN_FLAGS = ['quick', 'profile', 'skip-memory', 'skip-bandwidth', 'skip-dialect-memory', 's2-burst', 'pass-cost-no-s2', 'help'];
const VALUE_FLAGS = ['pass-cost-rates', 'pass-cost-s2-rates', 'nodes', 'shards', 'cluster-nodes', 'cluster-shards', 'cluster-rates', 'cluster-channels', 'cluster-viewers', 'cluster-extra-viewers', 'cluster-readers', 'idle-connections', 'idle-targets', 'workers', 'workers-rates', 'workers-subscribers', 'server-cores', 'scenarios', 'channels', 'per-channel', 's4-clients', 's5-subscribers', 's5-rate', 's5-seconds', 'redis-rates', 'servers', 'subscribers', 'runs', 'duration', 'size', 'mem-connections', 'start-rate', 'bisections', 'max-p99-ms', 'src-addrs', 'coalesce-us'];

/**
 * `npm run bench -- --quick` reaches this process as `npm --prefix bench start --quick`, and npm
 * takes flags given without a second `--` as its own config (`npm_config_quick=true`), passing only
 * the bare words on. Rebuild the bench flags from those variables: a value flag written `--flag=v`
 * arrives whole; one written `--flag v` arrives as `true` with `v` among the bare words (only one
 * such flag can be paired unambiguously).
 */
export function argsFromNpm(argv, env) {
  if (argv.some((a) => a.startsWith('--'))) return argv; // flags came through as flags
  const out = [];
  const words = [...argv];
  let paired = 0;
  for (const flag of BOOLEAN_FLAGS) if (env[`npm_config_${flag.replace(/-/g, '_')}`] === 'true') out.push(`--${flag}`);
  for (const flag of VALUE_FLAGS) {
    const value = env[`npm_config_${flag.replace(/-/g, '_')}`];
    if (value === undefined || value === '') continue;
    if (value === 'true') {
      if (++paired > 1 || words.length === 0) throw new Error(`write --${flag}=VALUE (npm split the flag from its value)`);
      out.push(`--${flag}=${words.shift()}`);
    } else {
      out.push(`--${flag}=${value}`);
    }
  }
  if (words.length > 0) throw new Error(`unexpected argument(s) ${words.join(' ')}; write flags as --flag=VALUE`);
  return out;
}

/** @param {string[]} argv */
export function parseArgs(argv) {
  const quick = argv.includes('--quick');
  const o = { ...(quick ? QUICK : FULL), quick };
  const list = (v) => v.split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--quick': break;
      case '--servers': o.servers = list(value()); break;
      case '--scenarios': o.scenarios = list(value()).map((x) => x.toLowerCase()); break;
      case '--channels': o.channels = Number(value()); break;
      case '--per-channel': o.perChannel = Number(value()); break;
      case '--s4-clients': o.s4Clients = Number(value()); break;
      case '--s5-subscribers': o.s5Subscribers = Number(value()); break;
      case '--s5-rate': o.s5Rate = Number(value()); break;
      case '--redis-rates': o.redisRates = list(value()).map(Number); break;
      case '--workers': o.workers = Number(value()); break;
      case '--nodes': case '--cluster-nodes': o.clusterNodes = list(value()).map(Number); break;
      case '--shards': case '--cluster-shards': o.clusterShards = list(value()).map(Number); break;
      case '--cluster-rates': o.clusterRates = list(value()).map(Number); break;
      case '--cluster-channels': o.clusterChannels = Number(value()); break;
      case '--cluster-viewers': o.clusterViewers = Number(value()); break;
      case '--cluster-extra-viewers': o.clusterExtraViewers = Number(value()); break;
      case '--cluster-readers': o.clusterReaders = Number(value()); break;
      case '--workers-rates': o.workersRates = list(value()).map(Number); break;
      case '--workers-subscribers': o.workersSubscribers = Number(value()); break;
      case '--server-cores': o.serverCores = value(); break;
      case '--idle-connections': o.idleConnections = Number(value()); break;
      case '--idle-targets': o.idleTargets = list(value()); break;
      case '--s5-seconds': o.s5Seconds = Number(value()); break;
      case '--subscribers': o.subscribers = list(value()).map(Number); break;
      case '--runs': o.runs = Number(value()); break;
      case '--duration': o.stepSeconds = Number(value()); break;
      case '--size': o.size = Number(value()); break;
      case '--mem-connections': o.memConnections = Number(value()); break;
      case '--start-rate': o.startDelivered = Number(value()); break;
      case '--bisections': o.bisections = Number(value()); break;
      case '--max-p99-ms': o.maxP99Ms = Number(value()); break;
      case '--src-addrs': o.srcAddrs = Number(value()); break;
      case '--coalesce-us': o.coalesceUs = Number(value()); break;
      case '--profile': o.profile = true; break;
      case '--skip-memory': o.skipMemory = true; break;
      case '--skip-bandwidth': o.skipBandwidth = true; break;
      case '--skip-dialect-memory': o.skipDialectMemory = true; break;
      case '--s2-burst': o.s2Burst = true; break;
      case '--pass-cost-rates': o.passCostRates = list(value()).map(Number); break;
      case '--pass-cost-s2-rates': o.passCostS2Rates = list(value()).map(Number); break;
      case '--pass-cost-no-s2': o.passCostS2 = false; break;
      case '--help':
        process.stdout.write(HELP);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag ${argv[i]} (see --help)`);
    }
  }
  for (const s of o.servers) if (!SERVERS.includes(s)) throw new Error(`unknown server ${s}; one of ${SERVERS.join(', ')}`);
  for (const s of o.scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; one of ${SCENARIOS.join(', ')}`);
  const ints = {
    runs: o.runs, size: o.size, memConnections: o.memConnections, srcAddrs: o.srcAddrs, coalesceUs: o.coalesceUs,
    channels: o.channels, perChannel: o.perChannel, s4Clients: o.s4Clients, s5Subscribers: o.s5Subscribers, s5Rate: o.s5Rate, s5Seconds: o.s5Seconds,
  };
  for (const [k, v] of Object.entries(ints)) if (!Number.isInteger(v) || v < 0) throw new Error(`--${k}: expected a whole number`);
  if (!(o.stepSeconds > 0 && o.stepSeconds <= 60)) throw new Error('--duration: expected 0 < seconds <= 60');
  if (o.size < 120 || o.size > 64 * 1024) throw new Error('--size: expected 120..65536 bytes');
  if (o.subscribers.some((n) => !Number.isInteger(n) || n < 1 || n > 15_000)) throw new Error('--subscribers: 1..15000 each');
  if (o.channels < 1 || o.perChannel < 1 || o.channels * o.perChannel > 15_000 || o.channels > 2_000) throw new Error('--channels × --per-channel: at most 15000 subscribers, 2000 channels');
  if (o.s4Clients < 1 || o.s4Clients > 10_000 || o.s5Subscribers < 1 || o.s5Subscribers > 10_000) throw new Error('--s4-clients, --s5-subscribers: 1..10000');
  if (o.s5Rate < 1 || o.s5Rate > 10_000 || o.s5Seconds < 1 || o.s5Seconds > 60) throw new Error('--s5-rate 1..10000 msg/s, --s5-seconds 1..60');
  if (!Number.isInteger(o.workers) || o.workers < 2 || o.workers > 64) throw new Error('--workers: 2..64');
  if (!/^\d+([,-]\d+)*$/.test(o.serverCores)) throw new Error('--server-cores: a taskset core list such as 0 or 0-3');
  if (o.redisRates.some((r) => !Number.isInteger(r) || r < 1 || r > 100_000)) throw new Error('--redis-rates: 1..100000 publishes/s each');
  if (!Number.isInteger(o.idleConnections) || o.idleConnections < 1 || o.idleConnections > 15_000) throw new Error('--idle-connections: 1..15000');
  for (const t of o.idleTargets) if (!FULL.idleTargets.includes(t)) throw new Error(`--idle-targets: one of ${FULL.idleTargets.join(', ')}`);
  if (o.clusterNodes.some((n) => !Number.isInteger(n) || n < 1 || n > 8)) throw new Error('--nodes: 1..8 each');
  if (o.clusterShards.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) throw new Error('--shards: 1..16 each');
  if (o.clusterRates.some((r) => !Number.isInteger(r) || r < 1 || r > 100_000)) throw new Error('--cluster-rates: 1..100000 publishes/s each');
  const ch = o.clusterChannels;
  if (!Number.isInteger(ch) || ch < 1 || ch > 1_000) throw new Error('--cluster-channels: 1..1000');
  // loadgen gives connection i channel ⌊i / (viewers / channels)⌋: every channel the same number of viewers
  if (!Number.isInteger(o.clusterViewers) || o.clusterViewers < ch || o.clusterViewers % ch !== 0) throw new Error('--cluster-viewers: a multiple of --cluster-channels');
  if (!Number.isInteger(o.clusterExtraViewers) || o.clusterExtraViewers < ch || o.clusterExtraViewers % ch !== 0) throw new Error('--cluster-extra-viewers: a multiple of --cluster-channels');
  if (o.clusterNodes.reduce((a, b) => Math.max(a, b), 0) * o.clusterViewers + o.clusterExtraViewers > 15_000) throw new Error('--nodes × --cluster-viewers + --cluster-extra-viewers: at most 15000 viewers');
  if (!Number.isInteger(o.clusterReaders) || o.clusterReaders < 1 || o.clusterReaders > 256) throw new Error('--cluster-readers: 1..256');
  for (const [flag, rates] of [['--pass-cost-rates', o.passCostRates], ['--pass-cost-s2-rates', o.passCostS2Rates]]) {
    if (rates.length === 0 || rates.some((r) => !Number.isInteger(r) || r < 1 || r > 100_000)) throw new Error(`${flag}: 1..100000 messages/s each`);
  }
  if (o.memConnections > 15_000) throw new Error('--mem-connections: at most 15000 (the open-file cap is 20000)');
  return o;
}

const HELP = `npm run bench -- [flags]
  --quick               200 subscribers, 1 run, 1 s steps, 2,000 idle connections (a smoke run)
  --scenarios s1        any of s1,s2,s4,s5 (default s1):
                          s1 one channel, N subscribers (--subscribers, --size)
                          s2 --channels x --per-channel subscribers (1000 x 10; quick 100 x 5), every server
                          (--s2-burst: each sequence to every channel at once, not spread over the step)
                          s4 StreamHub: --s4-clients (1000) connect at once to a match whose ring is full
                          s5 StreamHub: each dialect's own path, --s5-subscribers (500) at --s5-rate (100)
                             msg/s for --s5-seconds (5) each
                          mem idle memory only (what s1 measures first): every --servers, every dialect, bare ws
                          redis-publish StreamHub on its own redis-server: Redis CPU per publish at --redis-rates
                             (2000,5000,10000) publishes/s, --duration s each (issue 17)
                          workers  embedded multi-core mode (no Redis) against one process: CPU per message of the
                                   primary and the workers at --workers-rates (1000,4000) with --workers-subscribers
                                   (200); --workers (2), --server-cores (0; e.g. 0-3 on a bigger machine)
                          idle-heap  JS heap (after a full GC, and by class from two heap snapshots) and RSS per idle
                                   subscriber of bare ws and every dialect, --idle-connections (2000) each, each in a
                                   fresh process; --idle-targets ws,match,nova,relay,spectra,elstat,streamhub (issue 19)
                          pass-cost  server user/sys CPU per delivery at --pass-cost-rates (20,80,320) msg/s
                                   (S1 at --subscribers) and --pass-cost-s2-rates (8) per channel (S2), StreamHub
                                   and the C floor alternating, --runs each; --profile: shares inside the steps
                          cluster  N nodes × M shards (--nodes 3, --shards 1,3) and Socket.IO + the streams adapter
                                   (N nodes, one Redis) at --cluster-rates (1000,4000) publishes/s over
                                   --cluster-channels (64); --cluster-viewers (128) per node, then
                                   --cluster-extra-viewers (1024) on the last node, then --cluster-readers (64)
                                   Redis readers per redis-server: per-component CPU and the capacity model
  --servers a,b         subset of ${SERVERS.join(',')} (default: all)
  --subscribers 1000,5000
  --runs 3              runs per server and subscriber count (the table shows medians)
  --duration 3          seconds per rate step
  --size 200            message size in bytes
  --mem-connections 10000   idle connections for the memory-per-connection figure (0: skip)
  --start-rate 20000    first step, in deliveries per second (then x2 until a step fails, then bisect)
  --bisections 3        bisection steps between the last pass and the first failure
  --max-p99-ms 250      p99 publish->receive bound of a passing step
  --src-addrs 4         subscribers bind round-robin to 127.0.0.1..127.0.0.K
  --coalesce-us 200     loadgen pauses this long between busy epoll rounds (fewer reads, adds <= that latency)
  --profile             run StreamHub with --cpu-prof (profile in bench/results/prof/)
  --skip-memory         skip the idle-memory measurement
  --skip-dialect-memory skip the idle memory of every StreamHub dialect (nova, relay, spectra, elstat beside match)
  --skip-bandwidth      skip the iperf3 loopback bandwidth measurement
`;
