/** `streamhub subscribe nova:<stream_id>`: a viewer of seed 001 (ws /api/v1/streams/<id>/ws?token=<jwt>). */
import { CliError, Exit, flag } from '../../cli/args.js';
import { subscribeOverWebSocket } from '../../cli/ws-subscribe.js';
import type { CliSubscribeRequest } from '../types.js';

export function subscribeNova(request: CliSubscribeRequest): Promise<void> {
  const { args, target, name } = request;
  const override = flag(args, 'stream-url');
  const jwt = flag(args, 'jwt');
  if (!jwt && !override) throw new CliError('nova needs a viewer token: --jwt <token>', Exit.usage);
  const url = override ?? `${target.secure ? 'wss' : 'ws'}://${target.host}:${target.config.nova.port}/api/v1/streams/${encodeURIComponent(name)}/ws?token=${encodeURIComponent(jwt!)}`;
  return subscribeOverWebSocket(request, {
    url,
    isHeartbeat(text, ws) {
      if (!text.includes('"ping"')) return false;
      try {
        const msg = JSON.parse(text) as { event?: string; data?: { sequence?: unknown } };
        if (msg.event !== 'ping') return false;
        // seed 001 §ping/pong: echo the sequence.
        ws.send(JSON.stringify({ event: 'pong', data: { sequence: msg.data?.sequence ?? null, timestamp: new Date().toISOString() } }));
        return true;
      } catch {
        return false;
      }
    },
  });
}
