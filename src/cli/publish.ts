/**
 * `streamhub publish <dialect>:<name> [data]`. Two ways in, chosen by the registry:
 *
 * - a dialect whose own client publishes (`DialectCli.publish`: `streamhub:` channels through the
 *   SDK, PROTOCOL.md §11) gets the messages: the data argument, or one per line of standard input;
 * - every other channel goes to the operator listener's `POST /api/publish`, where the dialect's
 *   validated publisher applies (match's spec checks; DESIGN.md), as one message.
 */
import type { Readable } from 'node:stream';
import type { AnyDialectModule } from '../dialects/index.js';
import type { CliPublishMessage } from '../dialects/types.js';
import { CliError, Exit, flag, type ParsedArgs } from './args.js';
import { failOn, requestJson } from './http.js';
import { readLines } from './lines.js';
import type { Target } from './target.js';

type Encoding = CliPublishMessage['encoding'];

export interface PublishIo {
  /** All of standard input (the operator path: one message). */
  readStdin(): Promise<string>;
  /** Standard input as a stream (a dialect's own client: one message per line, as lines arrive). */
  readonly stdin: Readable;
  line(text: string): void;
  note(text: string): void;
}

/** Base64 as `--base64` takes it (RFC 4648 §4, padding optional). */
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

export async function publish(args: ParsedArgs, target: Target, io: PublishIo, signal: AbortSignal, modules: readonly AnyDialectModule[]): Promise<void> {
  const [channel, positional] = args.positionals;
  if (!channel) throw new CliError('publish needs a channel: streamhub publish <dialect>:<name> [data]', Exit.usage);
  if (!/^[a-z][a-z0-9_-]*:.+/.test(channel)) throw new CliError(`the channel must be "<dialect>:<name>", got "${channel}"`, Exit.usage);
  if (args.positionals.length > 2) throw new CliError('publish takes one data argument; quote JSON that contains spaces', Exit.usage);
  if (args.flags.has('text') && args.flags.has('base64')) throw new CliError('--text and --base64 exclude each other', Exit.usage);
  const option = flag(args, 'data');
  if (option !== undefined && positional !== undefined) throw new CliError('give the data once: as an argument or with --data', Exit.usage);
  const inline = option ?? (positional === '-' ? undefined : positional);
  const encoding: Encoding = args.flags.has('text') ? 'text' : args.flags.has('base64') ? 'base64' : 'json';
  const dialect = channel.slice(0, channel.indexOf(':'));
  const own = modules.find((m) => m.name === dialect && m.cli?.publish)?.cli;
  if (own?.publish) {
    const messages = (maxLineBytes: number, stop?: AbortSignal): AsyncIterable<CliPublishMessage> =>
      inline !== undefined ? oneMessage(inline, encoding) : stdinMessages(io.stdin, maxLineBytes, encoding, stop ? AbortSignal.any([signal, stop]) : signal);
    return own.publish({ channel, args, target, messages, line: io.line, note: io.note, signal });
  }
  const raw = inline ?? (await io.readStdin()).replace(/\r?\n$/, '');
  await publishViaOperator(args, target, channel, decode(raw, encoding, 0), encoding, io.line);
}

async function* oneMessage(raw: string, encoding: Encoding): AsyncGenerator<CliPublishMessage> {
  yield { line: 0, data: decode(raw, encoding, 0), encoding };
}

/** One message per non-empty line, as the lines arrive; SIGINT/SIGTERM (or the dialect's `stop`) ends the input: what was acknowledged stays published. */
async function* stdinMessages(stdin: Readable, maxLineBytes: number, encoding: Encoding, signal: AbortSignal): AsyncGenerator<CliPublishMessage> {
  const onAbort = () => stdin.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const { number, text } of readLines(stdin, maxLineBytes)) {
      if (text.trim() === '') continue;
      yield { line: number, data: decode(text, encoding, number), encoding };
    }
  } catch (err) {
    // Destroying standard input on abort ends the read with a premature-close error: a clean stop.
    if (!signal.aborted) throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** `data` as the encoding says: parsed JSON, the string itself, or checked base64 (kept as text). */
function decode(raw: string, encoding: Encoding, line: number): unknown {
  const where = line === 0 ? 'the data' : `line ${line}`;
  if (encoding === 'text') return raw;
  if (encoding === 'base64') {
    // `base64` wraps its output at 76 columns: whitespace is not part of the data.
    const compact = raw.replace(/\s+/g, '');
    if (!BASE64_RE.test(compact)) throw new CliError(`${where} is not base64`, Exit.usage);
    return compact;
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new CliError(`${where} is not valid JSON (use --text to send it as a string)`, Exit.usage);
  }
}

async function publishViaOperator(args: ParsedArgs, target: Target, channel: string, data: unknown, encoding: Encoding, out: (line: string) => void): Promise<void> {
  const key = flag(args, 'idempotency-key');
  const body = { channel, data, encoding, ...(key !== undefined ? { idempotency_key: key } : {}) };
  const res = await requestJson(target, 'POST', '/api/publish', Buffer.from(JSON.stringify(body)));
  if (res.status === 413) throw new CliError('publish refused: the message is larger than operator.maxPublishBytes', Exit.failure);
  if (res.status === 400) {
    const b = res.body as { message?: string };
    throw new CliError(`publish refused: ${b?.message ?? 'bad request'}`, Exit.usage);
  }
  failOn(res, 'publish');
  const ack = res.body as { channel: string; offset: number; epoch: string; duplicate?: boolean };
  out(args.flags.has('json') ? JSON.stringify(ack) : `published to ${ack.channel}: offset ${ack.offset}, epoch ${ack.epoch}${ack.duplicate ? ' (duplicate: this idempotency key was already published there)' : ''}`);
}
