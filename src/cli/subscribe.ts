/**
 * `streamhub subscribe <dialect>:<name>`: prints a channel's messages, one per line, as a real
 * client of the dialect (each dialect's `cli.subscribe`, src/dialects/<name>/cli.ts).
 */
import type { AnyDialectModule } from '../dialects/index.js';
import { CliError, Exit, type ParsedArgs } from './args.js';
import type { SubscribeOutput } from './io.js';
import type { Target } from './target.js';

export function splitChannel(channel: string | undefined): { dialect: string; name: string } {
  const m = /^([a-z]+):(.+)$/.exec(channel ?? '');
  if (!m) throw new CliError(`subscribe needs "<dialect>:<name>", got "${channel ?? ''}"`, Exit.usage);
  return { dialect: m[1]!, name: m[2]! };
}

/** Runs the named dialect's own client (`DialectModule.cli.subscribe`): the registry decides, not this file. */
export async function subscribe(args: ParsedArgs, target: Target, out: SubscribeOutput, signal: AbortSignal, modules: readonly AnyDialectModule[]): Promise<void> {
  const { dialect, name } = splitChannel(args.positionals[0]);
  const module = modules.find((m) => m.name === dialect && m.cli);
  if (!module?.cli) {
    const names = modules.filter((m) => m.cli).map((m) => m.name);
    throw new CliError(`unknown dialect "${dialect}" (${names.join(', ')})`, Exit.usage);
  }
  return module.cli.subscribe({ name, args, target, out, signal });
}
