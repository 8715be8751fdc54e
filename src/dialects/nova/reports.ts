import { Deque, type Logger } from '../../core/index.js';
import type { IssueReport } from './session-types.js';

/** One `report_issue` as the admin API shows it (seed 001 §report_issue "Server Logging"). */
export interface RecentReport {
  readonly time: string;
  readonly stream_id: string;
  readonly viewer_id: string;
  readonly session_id: string;
  readonly issue_type: string;
  readonly severity: string | null;
  readonly description: string | null;
  readonly client_info: Record<string, string | number | boolean | null>;
}

/**
 * Viewer issue reports: a structured log line, a counter per issue type, and the newest
 * `capacity` reports for the admin API. Strings are truncated and `client_info` is reduced to
 * a few short scalar fields, so a viewer can neither bloat memory nor inject log structure.
 */
export class IssueReports {
  readonly #recent = new Deque<RecentReport>();
  readonly #capacity: number;
  readonly #maxDescription: number;
  readonly #log: Logger;
  readonly #byType = new Map<string, number>();
  #total = 0;

  constructor(options: { capacity: number; maxDescriptionChars: number; log: Logger }) {
    this.#capacity = options.capacity;
    this.#maxDescription = options.maxDescriptionChars;
    this.#log = options.log;
  }

  get total(): number {
    return this.#total;
  }

  /** Counts per issue type (unknown types are counted as `other`, keeping the label set bounded). */
  byType(): Record<string, number> {
    return Object.fromEntries(this.#byType);
  }

  record(report: IssueReport): void {
    const { command } = report;
    const type = ['buffering', 'lag', 'quality', 'playback_error', 'other'].includes(command.issueType) ? command.issueType : 'other';
    const entry: RecentReport = {
      time: report.time,
      stream_id: report.streamId,
      viewer_id: report.viewerId.slice(0, 128),
      session_id: report.sessionId,
      issue_type: command.issueType.slice(0, 64),
      severity: command.severity?.slice(0, 16) ?? null,
      description: command.description?.slice(0, this.#maxDescription) ?? null,
      client_info: scalars(command.clientInfo),
    };
    this.#total += 1;
    this.#byType.set(type, (this.#byType.get(type) ?? 0) + 1);
    this.#recent.push(entry);
    while (this.#recent.length > this.#capacity) this.#recent.shift();
    this.#log.info({ event: 'nova.report_issue', ...entry }, 'viewer reported an issue');
  }

  /** Newest last. */
  recent(): RecentReport[] {
    return this.#recent.toArray();
  }
}

function scalars(info: Record<string, unknown> | null): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  if (!info) return out;
  let n = 0;
  for (const [key, value] of Object.entries(info)) {
    if (n >= 16) break;
    if (typeof value === 'string') out[key.slice(0, 32)] = value.slice(0, 128);
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null) out[key.slice(0, 32)] = value;
    else continue;
    n += 1;
  }
  return out;
}
