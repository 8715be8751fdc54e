/**
 * Producers only see a publish function of the dialect they feed (DESIGN.md: producers never
 * see the hub). Each runs until finished or until its signal aborts.
 */
export interface Producer {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

/** Where match producers send spec messages (seed 000): validated and published by the match dialect. */
export interface MatchFeed {
  /**
   * Rejects when the message is not a valid spec 0.1.1 message (nothing is published then) or the
   * broker failed. Resolves once the message is published (its acknowledgement). With an
   * `idempotencyKey`, a resend of the same message is not published twice (issue 15 item 3).
   */
  publish(matchId: string, message: object, options?: { readonly idempotencyKey?: string }): Promise<unknown>;
}
