/**
 * Incidents (later doc version, ops 4–6; notes §5.3 "incidents blueprint", "incidents &
 * incident_stages tables"). The field names reconstruct the original's tables [unverified]:
 * an incident has a type, title, content, start/end dates and stages (timed updates).
 * Bounded: at most `maxIncidents` incidents and `maxStages` stages each.
 */

const INCIDENT_TYPES = ['outage', 'partial_outage', 'degraded_service'] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

export const TITLE_MAX = 200;
export const CONTENT_MAX = 4000;

export interface IncidentStage {
  readonly title: string;
  readonly content: string;
  /** Unix ms. */
  readonly created_at: number;
}

export interface Incident {
  readonly id: number;
  readonly type: IncidentType;
  readonly title: string;
  readonly content: string;
  readonly ongoing: boolean;
  /** Unix ms. */
  readonly start_date: number;
  /** Unix ms; null while ongoing. */
  readonly end_date: number | null;
  readonly stages: readonly IncidentStage[];
}

export interface IncidentFields {
  readonly type?: IncidentType;
  readonly title?: string;
  readonly content?: string;
}

/** Validates incident fields from a request body; `required` demands a title. Returns the fields or a message. */
export function parseIncidentFields(body: unknown, required: boolean): IncidentFields | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body must be a JSON object';
  const { type, title, content } = body as Record<string, unknown>;
  const out: { type?: IncidentType; title?: string; content?: string } = {};
  if (type !== undefined) {
    if (typeof type !== 'string' || !(INCIDENT_TYPES as readonly string[]).includes(type)) return `type must be one of ${INCIDENT_TYPES.join(', ')}`;
    out.type = type as IncidentType;
  }
  if (title !== undefined) {
    if (typeof title !== 'string' || title.trim() === '' || title.length > TITLE_MAX) return `title must be a non-empty string of at most ${TITLE_MAX} characters`;
    out.title = title;
  } else if (required) return 'title is required';
  if (content !== undefined) {
    if (typeof content !== 'string' || content.length > CONTENT_MAX) return `content must be a string of at most ${CONTENT_MAX} characters`;
    out.content = content;
  }
  return out;
}

/** The bounded incident list; every mutation returns the new incident (immutable values, safe to broadcast). */
export class IncidentStore {
  readonly #maxIncidents: number;
  readonly #maxStages: number;
  /** Oldest first. */
  #incidents: Incident[] = [];
  #nextId = 1;

  constructor(limits: { maxIncidents: number; maxStages: number }) {
    this.#maxIncidents = limits.maxIncidents;
    this.#maxStages = limits.maxStages;
  }

  /** Newest first. */
  list(): readonly Incident[] {
    return [...this.#incidents].reverse();
  }

  /** The newest ongoing incident, or null. */
  current(): Incident | null {
    for (let i = this.#incidents.length - 1; i >= 0; i--) if (this.#incidents[i]!.ongoing) return this.#incidents[i]!;
    return null;
  }

  get(id: number): Incident | null {
    return this.#incidents.find((i) => i.id === id) ?? null;
  }

  open(fields: IncidentFields, now: number): Incident {
    const incident: Incident = Object.freeze({
      id: this.#nextId++,
      type: fields.type ?? 'outage',
      title: fields.title ?? '',
      content: fields.content ?? '',
      ongoing: true,
      start_date: now,
      end_date: null,
      stages: Object.freeze([]),
    });
    this.#incidents.push(incident);
    while (this.#incidents.length > this.#maxIncidents) {
      // The oldest closed incident goes first; only when all are ongoing does the oldest ongoing one go.
      const closed = this.#incidents.findIndex((i) => !i.ongoing);
      this.#incidents.splice(closed >= 0 ? closed : 0, 1);
    }
    return incident;
  }

  /** Changes type, title or content. Null for an unknown id. */
  update(id: number, fields: IncidentFields): Incident | null {
    return this.#replace(id, (old) => ({ ...old, ...fields }));
  }

  /** Appends a stage (the oldest goes past `maxStages`). Null for an unknown id. */
  addStage(id: number, stage: { title: string; content: string }, now: number): Incident | null {
    return this.#replace(id, (old) => {
      const stages = [...old.stages, Object.freeze({ title: stage.title, content: stage.content, created_at: now })];
      return { ...old, stages: Object.freeze(stages.slice(-this.#maxStages)) };
    });
  }

  /** Marks the incident over. Closing a closed incident keeps its first end date. Null for an unknown id. */
  close(id: number, now: number): Incident | null {
    return this.#replace(id, (old) => ({ ...old, ongoing: false, end_date: old.end_date ?? now }));
  }

  #replace(id: number, change: (old: Incident) => Incident): Incident | null {
    const index = this.#incidents.findIndex((i) => i.id === id);
    if (index < 0) return null;
    const next = Object.freeze(change(this.#incidents[index]!));
    this.#incidents[index] = next;
    return next;
  }
}
