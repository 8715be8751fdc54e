/** `streamhub subscribe match:<match_id>`: a renderer client of seed 000 (ws /v1/match/<match_id>). */
import { flag } from '../../cli/args.js';
import { subscribeOverWebSocket } from '../../cli/ws-subscribe.js';
import type { CliSubscribeRequest } from '../types.js';

export function subscribeMatch(request: CliSubscribeRequest): Promise<void> {
  const { args, target, name } = request;
  const url = flag(args, 'stream-url') ?? `${target.secure ? 'wss' : 'ws'}://${target.host}:${target.config.match.port}/v1/match/${encodeURIComponent(name)}`;
  return subscribeOverWebSocket(request, {
    url,
    // seed 000: x_keepalive every 30 s when nothing else was sent; not a message of the match.
    isHeartbeat: (text) => text.includes('"x_keepalive"') && /"type"\s*:\s*"x_keepalive"/.test(text),
  });
}
