/** `streamhub publish <channel> [data]`: POST /api/publish on the operator listener. */
import { CliError, Exit, type ParsedArgs } from './args.js';
import { failOn, requestJson } from './http.js';
import type { Target } from './target.js';

export async function publish(args: ParsedArgs, target: Target, stdin: () => Promise<string>, out: (line: string) => void): Promise<void> {
  const [channel, inline] = args.positionals;
  if (!channel) throw new CliError('publish needs a channel: streamhub publish <dialect>:<name> [data]', Exit.usage);
  if (!/^[a-z][a-z0-9_-]*:.+/.test(channel)) throw new CliError(`the channel must be "<dialect>:<name>", got "${channel}"`, Exit.usage);
  if (args.positionals.length > 2) throw new CliError('publish takes one data argument; quote JSON that contains spaces', Exit.usage);
  if (args.flags.has('text') && args.flags.has('base64')) throw new CliError('--text and --base64 exclude each other', Exit.usage);
  const raw = inline === undefined || inline === '-' ? (await stdin()).replace(/\r?\n$/, '') : inline;
  const encoding = args.flags.has('text') ? 'text' : args.flags.has('base64') ? 'base64' : 'json';
  let data: unknown = raw;
  if (encoding === 'json') {
    try {
      data = JSON.parse(raw);
    } catch {
      throw new CliError('the data is not valid JSON (use --text to send it as a string)', Exit.usage);
    }
  }
  const res = await requestJson(target, 'POST', '/api/publish', Buffer.from(JSON.stringify({ channel, data, encoding })));
  if (res.status === 413) throw new CliError('publish refused: the message is larger than operator.maxPublishBytes', Exit.failure);
  if (res.status === 400) {
    const b = res.body as { message?: string };
    throw new CliError(`publish refused: ${b?.message ?? 'bad request'}`, Exit.usage);
  }
  failOn(res, 'publish');
  const body = res.body as { channel: string; offset: number; epoch: string };
  out(args.flags.has('json') ? JSON.stringify(body) : `published to ${body.channel}: offset ${body.offset}, epoch ${body.epoch}`);
}
