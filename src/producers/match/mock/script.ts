/**
 * The incidents a synthetic match is sure to contain, so a viewer (and a test) sees every event
 * kind within one compressed match: cards, substitutions and at least one goal per half. Open
 * play adds passes, tackles, shots, saves and more goals around them.
 */

export type Incident =
  | { readonly kind: 'goal'; readonly period: 1 | 2; readonly at: number }
  | { readonly kind: 'foul'; readonly period: 1 | 2; readonly at: number; readonly severity: 'soft' | 'yellow' | 'red' }
  | { readonly kind: 'sub'; readonly period: 1 | 2; readonly at: number; readonly team: 0 | 1 };

/** `at` is the fraction of the half (0..1) after which the incident is due. */
export function planIncidents(random: () => number): Incident[] {
  const jitter = (base: number): number => base + random() * 0.08;
  const plan: Incident[] = [
    { kind: 'foul', period: 1, at: jitter(0.12), severity: 'soft' },
    { kind: 'foul', period: 1, at: jitter(0.28), severity: 'yellow' },
    { kind: 'goal', period: 1, at: jitter(0.45) },
    { kind: 'sub', period: 2, at: jitter(0.1), team: 0 },
    { kind: 'sub', period: 2, at: jitter(0.2), team: 1 },
    { kind: 'goal', period: 2, at: jitter(0.32) },
    { kind: 'foul', period: 2, at: jitter(0.55), severity: 'red' },
    { kind: 'foul', period: 2, at: jitter(0.68), severity: 'yellow' },
  ];
  return plan.sort((a, b) => a.period - b.period || a.at - b.at);
}
