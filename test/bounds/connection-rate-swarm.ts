/**
 * A swarm of match renderers in a process of its own (issue 15 item 7), so that the node under
 * test spends its event loop on the server side only and sees the connects as a real storm does.
 * `node --import tsx connection-rate-swarm.ts <url> <count>`: opens `count` connections at once;
 * each, when refused, waits the `Retry-After` seconds and tries again, as a renderer that reads
 * the hint does (the real spec-client retries any failure with a backoff of 1, 2, 4, 8 s). It
 * prints `{"answered":<count>}` once every renderer's first attempt has its answer (admitted or
 * refused); once all are in, one JSON `SwarmReport` line; then keeps the connections open until
 * its stdin ends.
 */
import { connect, type RecordingClient } from '../helpers/ws-client.js';

export interface SwarmRefusal {
  readonly status: number;
  readonly body: string;
  readonly retryAfter: string | null;
}

export interface SwarmReport {
  /** For each renderer, the `type` of its first two frames (`hello`, `match.init`). */
  readonly firstFrames: string[][];
  /** Renderers whose socket is still open when the report is made. */
  readonly open: number;
  readonly refusals: SwarmRefusal[];
}

let firstAnswers = 0;
function firstAnswer(count: number): void {
  firstAnswers += 1;
  if (firstAnswers === count) process.stdout.write(`${JSON.stringify({ answered: count })}\n`);
}

async function renderer(url: string, count: number, refusals: SwarmRefusal[]): Promise<RecordingClient> {
  for (let attempt = 0; ; attempt++) {
    try {
      const client = await connect(url);
      if (attempt === 0) firstAnswer(count);
      await client.until((m) => m.length >= 2, 60_000);
      return client;
    } catch (err) {
      if (attempt === 0) firstAnswer(count);
      const { status, body, headers } = err as { status?: number; body?: string; headers?: Record<string, string | undefined> };
      if (status === undefined) throw err; // not an HTTP refusal: the swarm fails
      const refusal = { status, body: body ?? '', retryAfter: headers?.['retry-after'] ?? null };
      refusals.push(refusal);
      const seconds = Number(refusal.retryAfter);
      // A refusal without a usable hint would leave a real client guessing: report it and stop.
      if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`refusal without Retry-After: ${JSON.stringify(refusal)}`);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
    }
  }
}

const [url, countText] = process.argv.slice(2);
const refusals: SwarmRefusal[] = [];
const count = Number(countText);
const clients = await Promise.all(Array.from({ length: count }, () => renderer(url!, count, refusals)));
const report: SwarmReport = {
  firstFrames: clients.map((c) => (c.messages.slice(0, 2) as { type?: string }[]).map((m) => String(m.type))),
  open: clients.filter((c) => c.ws.readyState === c.ws.OPEN).length,
  refusals,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
process.stdin.resume();
process.stdin.once('end', () => {
  for (const c of clients) c.ws.terminate();
  process.exit(0);
});
