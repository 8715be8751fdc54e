/**
 * Configuration is read once: a JSON file (path from `--config` or STREAMHUB_CONFIG), then
 * environment overrides, validated into one frozen, typed object. Invalid configuration stops
 * start-up with every problem listed (STYLE.md rule 7). Nothing else reads process.env.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DIALECT_MODULES, type AnyDialectModule } from '../dialects/index.js';
import type { EnvBinding } from './common.js';
import { operatorSchema, serverEnv, serverSchema } from './server.js';
import { ErrorCode, StreamHubError } from '../errors.js';

type Registry = typeof DIALECT_MODULES;
/** `config.<dialect>`: each dialect's own section, from its module (src/dialects/<name>/config.ts). */
type DialectSections = { [M in Registry[number] as M['name']]: M['configSchema'] };

/** The configuration schema for a list of dialect modules: `server`, `operator`, then one section per dialect. */
export function configSchemaFor(modules: readonly AnyDialectModule[]) {
  const sections = Object.fromEntries(modules.map((m) => [m.name, m.configSchema])) as DialectSections;
  const names = new Set(modules.map((m) => m.name));
  return z
    .object({ server: serverSchema, operator: operatorSchema, ...sections })
    .strict()
    .superRefine((config, ctx) => {
      for (const name of Object.keys(config.server.connectionRate.byDialect)) {
        if (!names.has(name)) ctx.addIssue({ code: 'custom', path: ['server', 'connectionRate', 'byDialect', name], message: `no dialect named "${name}" (${[...names].join(', ')})` });
      }
    });
}

export const configSchema = configSchemaFor(DIALECT_MODULES);

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type Config = DeepReadonly<z.output<typeof configSchema>>;
export type ConfigInput = z.input<typeof configSchema>;

/** Every environment variable StreamHub reads for these dialects, canonical names first, then aliases. */
export function envBindingsFor(modules: readonly AnyDialectModule[]): readonly EnvBinding[] {
  return [...serverEnv, ...modules.flatMap((m) => m.env)];
}

export const ENV_BINDINGS: readonly EnvBinding[] = envBindingsFor(DIALECT_MODULES);

export class ConfigError extends StreamHubError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(ErrorCode.config, `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly argv?: readonly string[];
  /** An object to start from instead of a file (tests). */
  readonly base?: unknown;
  /** The dialects whose sections are read (default: the registry; tests add a test-only dialect). */
  readonly modules?: readonly AnyDialectModule[];
}

/** The config file path: `--config <path>` / `--config=<path>`, else STREAMHUB_CONFIG. */
export function configPath(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config' || arg === '-c') return argv[i + 1] ?? null;
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  return env.STREAMHUB_CONFIG || null;
}

/** Parses configuration from a file and the environment; throws ConfigError listing every problem. */
export function parseConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? {};
  const problems: string[] = [];
  let base: unknown = sources.base ?? {};
  const path = configPath(sources.argv ?? [], env);
  if (path) {
    try {
      base = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      problems.push(`config file ${path}: ${(err as Error).message}`);
    }
  }
  const tree = structuredClone(base ?? {}) as Record<string, unknown>;
  if (typeof tree !== 'object' || Array.isArray(tree)) problems.push('config file: the top level must be an object');
  const applied = new Set<string>();
  const modules = sources.modules ?? DIALECT_MODULES;
  for (const binding of modules === DIALECT_MODULES ? ENV_BINDINGS : envBindingsFor(modules)) {
    const raw = env[binding.name];
    if (raw === undefined || raw === '') continue;
    if (binding.aliasOf && env[binding.aliasOf] !== undefined && env[binding.aliasOf] !== '') continue;
    if (applied.has(binding.path) && binding.aliasOf) continue;
    const value = convert(binding, raw);
    if (value instanceof Error) {
      problems.push(`${binding.name}: ${value.message}`);
      continue;
    }
    setPath(tree, binding.path, value);
    applied.add(binding.path);
  }
  const result = (modules === DIALECT_MODULES ? configSchema : configSchemaFor(modules)).safeParse(tree);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return deepFreeze(result.data) as Config;
}

function convert(binding: EnvBinding, raw: string): unknown {
  const text = raw.trim();
  switch (binding.type) {
    case 'string':
      return text;
    case 'nullable-string':
      return text;
    case 'int':
    case 'seconds-to-ms':
    case 'mib-to-bytes': {
      if (!/^-?\d+$/.test(text)) return new StreamHubError(ErrorCode.config, `expected a whole number, got "${raw}"`);
      const n = Number(text);
      if (binding.type === 'seconds-to-ms') return n * 1000;
      if (binding.type === 'mib-to-bytes') return n * 1024 * 1024;
      return n;
    }
    case 'number': {
      const n = Number(text);
      return Number.isFinite(n) ? n : new StreamHubError(ErrorCode.config, `expected a number, got "${raw}"`);
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(text)) return true;
      if (/^(0|false|no|off)$/i.test(text)) return false;
      return new StreamHubError(ErrorCode.config, `expected true or false, got "${raw}"`);
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  }
}

function setPath(tree: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export type { EnvBinding } from './common.js';
