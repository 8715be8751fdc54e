/** `streamhub subscribe elstat:<status|latency>:<service>`: a status-page client of seed 004 (ws /api/streaming). */
import { CliError, Exit, flag } from '../../cli/args.js';
import { subscribeOverWebSocket } from '../../cli/ws-subscribe.js';
import type { CliSubscribeRequest } from '../types.js';

export function subscribeElstat(request: CliSubscribeRequest): Promise<void> {
  const { args, target, name } = request;
  if (!/^(status|latency):./.test(name)) throw new CliError('elstat channels are "elstat:status:<service>" or "elstat:latency:<service>"', Exit.usage);
  const url = flag(args, 'stream-url') ?? `${target.secure ? 'wss' : 'ws'}://${target.host}:${target.config.elstat.port}/api/streaming`;
  // seed 004: subscribe with op 0 and the wire channel names.
  return subscribeOverWebSocket(request, { url, onOpen: (ws) => ws.send(JSON.stringify({ op: 0, channels: [name] })) });
}
