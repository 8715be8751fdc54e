/**
 * The soak's nova stream: a live stream driven through the control API (`bitrate` updates carry
 * the sequence number as `current_bitrate_kbps`), viewers holding HS256 tokens, joiners that come
 * and go (they get the `stream_started` snapshot, then the live tail).
 */
import { SignJWT } from 'jose';
import { SOAK_TOKENS, type SoakChild } from './child.js';
import { account } from './ledger.js';
import { drained, wsStream, type SoakStream } from './streams.js';

const STREAM = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

export async function novaStream(child: SoakChild, steadyCount: number): Promise<SoakStream> {
  const base = `http://127.0.0.1:${child.port('nova')}/api/v1/streams/${STREAM}`;
  const control = async (action: string, body: unknown) => {
    const res = await fetch(`${base}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SOAK_TOKENS.novaControl}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.text();
    if (res.status >= 300) throw new Error(`nova ${action}: ${res.status}`);
  };
  await control('start', { broadcaster_id: 'soak', title: 'soak', quality: '1080p', fps: 60, bitrate_kbps: 5000 });
  const token = await new SignJWT({ sub: 'soak-viewer' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('24h').sign(new TextEncoder().encode(SOAK_TOKENS.novaJwt));
  const url = `ws://127.0.0.1:${child.port('nova')}/api/v1/streams/${STREAM}/ws?token=${token}`;
  // Viewers answer nothing the server needs (liveness counts any inbound frame): a pong every 10 s.
  const clients = await wsStream('nova', url, steadyCount, (d) => {
    const m = JSON.parse(d.toString()) as { event: string; data: { current_bitrate_kbps?: number } };
    return m.event === 'bitrate_update' ? m.data.current_bitrate_kbps! - 1 : null;
  }, undefined, JSON.stringify({ event: 'pong', data: {} }));
  let sent = 0;
  let inFlight = Promise.resolve();
  return {
    dialect: 'nova',
    produce() {
      inFlight = inFlight.then(async () => {
        await control('bitrate', { current_bitrate_kbps: sent + 1 });
        sent += 1;
      });
    },
    join: (stayMs) => clients.join(stayMs),
    async finish(timeoutMs) {
      await inFlight;
      await drained(() => clients.steady.every((l) => l.count >= sent), timeoutMs);
      clients.closeAll();
      return account('nova', sent, clients.steady, clients.joiners);
    },
  };
}
