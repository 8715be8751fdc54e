import type { z } from 'zod';
import type { EnvBinding } from '../config/common.js';
import type { ParsedArgs } from '../cli/args.js';
import type { CliStreams, SubscribeOutput } from '../cli/io.js';
import type { Target } from '../cli/target.js';
import type { CoordinationPorts } from '../coordination/ports.js';
import type { Clock, CloseReason, Hub, IdSource, Logger } from '../core/index.js';
import type { ListenerAddress, ListenerSettings } from '../net/listener-settings.js';

export type { ListenerAddress, ListenerSettings } from '../net/listener-settings.js';

/** Everything a dialect may touch: no other dialect, no broker, no config object. */
export interface DialectContext {
  readonly hub: Hub;
  readonly log: Logger;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly listener: ListenerSettings;
  /** `server.demo`: the demo producers run (a dialect may issue demo credentials only then). Default false. */
  readonly demo?: boolean;
}

/** What `streamhub subscribe` hands a dialect's client. */
export interface CliSubscribeRequest {
  /** The channel name after `<dialect>:`. */
  readonly name: string;
  readonly args: ParsedArgs;
  readonly target: Target;
  readonly out: SubscribeOutput;
  readonly signal: AbortSignal;
}

/** What `streamhub publish` hands a dialect that publishes through its own client (`DialectCli.publish`). */
export interface CliPublishRequest {
  /** The whole hub channel, `<dialect>:<name>`. */
  readonly channel: string;
  readonly args: ParsedArgs;
  readonly target: Target;
  /**
   * The messages in input order: the data argument, or one per non-empty line of standard input,
   * each line at most `maxLineBytes` (the dialect's own bound; a longer line is a usage error).
   * Aborting `stop` ends the input early (e.g. the client gave up on the server).
   */
  messages(maxLineBytes: number, stop?: AbortSignal): AsyncIterable<CliPublishMessage>;
  /** One line per acknowledged message. */
  line(text: string): void;
  note(text: string): void;
  readonly signal: AbortSignal;
}

/** One message to publish; `data` is parsed JSON, a string (`--text`) or validated base64 (`--base64`). */
export interface CliPublishMessage {
  /** 1-based line of standard input; 0 for the data argument. */
  readonly line: number;
  readonly data: unknown;
  readonly encoding: 'json' | 'text' | 'base64';
}

/** A command of a dialect's own (`streamhub relay-publish …`). */
export interface DialectCommand {
  /** One line for `streamhub --help`: usage and what it does. */
  readonly summary: string;
  readonly help: string;
  /** Flags it reads besides the common ones. */
  readonly valueFlags?: readonly string[];
  readonly booleanFlags?: readonly string[];
  run(args: ParsedArgs, target: Target, io: CliStreams, signal: AbortSignal): Promise<void>;
}

/** The CLI surface of one dialect (src/cli runs it; loaded on use). */
export interface DialectCli {
  /** The `subscribe` help line: channel form, transport, path and port. */
  readonly subscribeHelp: string;
  /** Flags `subscribe` reads for this dialect, with their help lines. */
  readonly subscribeFlags?: readonly { readonly flag: string; readonly value: boolean; readonly help: string }[];
  subscribe(request: CliSubscribeRequest): Promise<void>;
  /** `streamhub publish <name>:<channel>` through this dialect's own client; without it the operator API publishes. */
  publish?(request: CliPublishRequest): Promise<void>;
  /** The `publish` help line of `publish` above. */
  readonly publishHelp?: string;
  readonly commands?: Readonly<Record<string, DialectCommand>>;
}

/** Counters every dialect reports; dialects may add their own numbers. */
export interface DialectStats {
  readonly connections: number;
  readonly [key: string]: number | string | boolean | readonly unknown[] | Record<string, unknown>;
}

/** One wire protocol: owns its listeners, sessions and codec; talks to the hub only. */
export interface Dialect {
  readonly name: string;
  /** Binds the dialect's ports (port 0 picks a free one) and resolves with what was bound. */
  listen(): Promise<ListenerAddress[]>;
  stats(): DialectStats;
  /**
   * Stops accepting, then ends every session at a jittered instant within `drainWindowMs` (default 0:
   * all at once; shared/drain.ts), each as its real clients need to reconnect (PROTOCOL.md
   * "Shutdown"); resolves when the sockets are gone or the deadline passed.
   */
  close(reason: CloseReason, deadlineMs: number, drainWindowMs?: number): Promise<void>;
}

/** What the server hands a dialect's demo producer (`npm start`; DESIGN.md: demo ids). */
export interface DemoEnvironment {
  /** Every bound listener by dialect name (elstat probes the others' first listener). */
  readonly addresses: Readonly<Record<string, readonly ListenerAddress[]>>;
  /** `server.tls` is on: the listeners speak https/wss. */
  readonly tls: boolean;
  /** Folder of the shipped fixtures (`data/`). */
  readonly dataDir: string;
  readonly clock: Clock;
  readonly log: Logger;
}

/** What the start-up banner needs to print a dialect's URLs. */
export interface BannerView {
  /** Host to put in URLs (`localhost` for a wildcard bind). */
  readonly host: string;
  readonly tls: boolean;
  /** This dialect's bound listeners. */
  readonly addresses: readonly ListenerAddress[];
  /** The demo producers run. */
  readonly demo: boolean;
}

/**
 * One dialect as the rest of StreamHub sees it (issue 16, DESIGN.md: one folder per dialect, one
 * line to add it). `src/dialects/index.ts` lists these; config, server, demos, CLI, banner, docs
 * and tests iterate over that list and never name a dialect. Everything heavy (the factory, the
 * demo producers, the CLI client) is loaded on use, so reading the configuration stays cheap.
 */
export interface DialectModule<Name extends string = string, Schema extends z.ZodType = z.ZodType, Instance extends Dialect = Dialect> {
  readonly name: Name;
  /** The `<name>` section of the configuration, with a default for every field (`enabled` among them). */
  readonly configSchema: Schema;
  /** Environment variables that override settings of this section (paths start with `<name>.`). */
  readonly env: readonly EnvBinding[];
  /** The settings of its section that are listening ports (`port`, or spectra's three): tests set them to 0. */
  readonly portSettings: readonly string[];
  /** Whether the section enables the dialect. */
  enabled(options: z.output<Schema>): boolean;
  /** The per-IP caps this dialect enforces, so the node's accept guard (`server.acceptPerIpMax`) never refuses first. */
  perIpCaps(options: z.output<Schema>): readonly number[];
  /** Builds the dialect; nothing listens until `listen()`. */
  create(ctx: DialectContext, options: z.output<Schema>, ports: CoordinationPorts): Instance | Promise<Instance>;
  /** Starts this dialect's demo producers (`server.demo`); they stop when `signal` aborts. */
  startDemo?(dialect: Instance, options: z.output<Schema>, env: DemoEnvironment, signal: AbortSignal): void | Promise<void>;
  /** The demo ids `npm start` runs, as a phrase for the banner and the start log (e.g. `nova stream 550e…`); `enabled`: every enabled dialect's name. */
  demoIds?(options: z.output<Schema>, enabled: readonly string[]): string | null;
  /** Banner rows (label, URL) for this dialect's listeners. */
  banner?(view: BannerView, options: z.output<Schema>): readonly (readonly [string, string])[];
  /** A validated publish for the operator's `POST /api/publish` into this dialect's channels. */
  publisher?(dialect: Instance): Publisher;
  /** `streamhub subscribe <name>:<channel>` (and any commands of its own) as a real client of this dialect. */
  readonly cli?: DialectCli;
}

/**
 * A publish the operator API may call into a dialect's channels: validated by the dialect,
 * resolves with the message's position (`duplicate` when the idempotency key was seen; issue 15).
 */
export type Publisher = (
  name: string,
  data: unknown,
  options: { readonly idempotencyKey?: string },
) => Promise<{ offset: number; epoch: string; duplicate?: boolean } | void>;
