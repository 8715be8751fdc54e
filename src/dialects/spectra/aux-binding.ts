/**
 * What an aux session may write (issue 20 item 2). The original applies every `aux_data` as sent
 * (notes §4.3: "Routing uses the payload's ... matchId, not the authenticated identity"), so
 * anyone who read a `match_data` (it carries `matchId` and every player's id) could write any
 * player's data, or even observer events such as `round_info game_end`. Here an aux session is
 * bound to the player it logged on as:
 * - only the aux types the real Spectra-Client sends from its aux mode (`gepService.ts`,
 *   `processAuxUpdate`) are accepted;
 * - the envelope's `playerId` must be the bound player's (the real client sends its own
 *   `PLAYER_ID` in every `aux_data`, `connectorService.ts` `sendToIngestAux`);
 * - an `aux_scoreboard` must describe the bound player (`data.playerId`): the real client sends
 *   its local player's scoreboard this way, and other players' only in its "aux observer" mode,
 *   which a player of the match does not need;
 * - `aux_scoreboard_team` (later clients: the teammates' scoreboards) is data for other players,
 *   so it is refused. The overlay loses nothing it needs: aux scoreboards are only a fallback
 *   while the observer's own scoreboard for a player is missing (notes §4.6), and the observer
 *   sends all ten.
 * Pure: the caller applies an accepted message under the bound player's id.
 */
import { obj, text, type Obj } from './codec.js';

/** The `aux_data` types of notes §4.3 ("Aux"), the only ones an aux session may send. */
const AUX_DATA_TYPES: ReadonlySet<string> = new Set([
  'aux_health',
  'aux_abilities',
  'aux_scoreboard',
  'aux_scoreboard_team',
  'aux_astra_targeting',
  'aux_cypher_cam',
]);

export type AuxVerdict =
  | { readonly ok: true; readonly type: string }
  | { readonly ok: false; readonly why: 'not an aux type' | 'another player' };

/** Whether the aux session bound to `boundPlayerId` may apply this (already shape-checked) message. */
export function checkAuxData(d: Obj, boundPlayerId: string): AuxVerdict {
  const type = text(d.type, '', 64);
  if (!AUX_DATA_TYPES.has(type)) return { ok: false, why: 'not an aux type' };
  if (d.playerId !== boundPlayerId) return { ok: false, why: 'another player' };
  if (type === 'aux_scoreboard' && obj(d.data).playerId !== boundPlayerId) return { ok: false, why: 'another player' };
  if (type === 'aux_scoreboard_team') return { ok: false, why: 'another player' };
  return { ok: true, type };
}

/** Key of the one aux session a player may have in a match (issue 20 item 2). */
export function auxSeatKey(matchId: string, playerId: string): string {
  return `${matchId}\u0000${playerId}`;
}
