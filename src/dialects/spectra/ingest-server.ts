/**
 * Port 5100 (notes §4.3): observers and aux clients log on, then send `obs_data` / `aux_data`.
 * One IngestSession per socket; every payload is decoded defensively and a failure touches only
 * that socket.
 */
import type { Server, Socket } from 'socket.io';
import type { Clock, Logger } from '../../core/index.js';
import { decodeCheckedPayload, present, text, type Obj } from './codec.js';
import type { JsonBounds } from '../../util/json-bounds.js';
import {
  checkAuxKey,
  checkAuxPacket,
  checkKey,
  checkObserverPacket,
  liveGroupReason,
  matchNotFoundReason,
  playerNotInMatchReason,
  playerTakenReason,
  REASONS,
  type KeyPolicy,
} from './logon.js';
import { auxSeatKey, checkAuxData } from './aux-binding.js';
import { LogThrottle } from '../../util/log-throttle.js';
import type { MatchRegistry } from './match-registry.js';
import { safeEqual } from '../../net/http-reply.js';
import { hangUp } from './hang-up.js';
import { normaliseTeam, normaliseTools } from './tools.js';
import type { VersionRange } from './version-range.js';

export interface IngestOptions {
  readonly registry: MatchRegistry;
  readonly clock: Clock;
  readonly log: Logger;
  readonly versions: VersionRange;
  readonly serverVersion: string;
  readonly keys: KeyPolicy;
  /** `AUX_AUTH_KEY`: null lets aux clients log on without a key, as the original (issue 20 item 2). */
  readonly auxAuthKey: string | null;
  /** An unauthenticated socket is disconnected after this long (bounded wait). */
  readonly logonTimeoutMs: number;
  /** Depth/size bounds of every payload (server.jsonMaxDepth / jsonMaxNodes); default DEFAULT_JSON_BOUNDS. */
  readonly jsonBounds?: JsonBounds;
  readonly fetchImpl?: typeof fetch;
}

type Role = 'none' | 'pending' | 'observer' | 'aux';

/** Wires the ingest namespace; returns the sockets per group code and match id (for idle removal). */
export class IngestServer {
  readonly #o: IngestOptions;
  readonly #byGroup = new Map<string, Set<Socket>>();
  /** The one aux session per player and match (issue 20 item 2), by `auxSeatKey`. */
  readonly #auxSeats = new Map<string, IngestSession>();
  /** Refused aux data is logged once, then counted (a hostile client may send it per message). */
  readonly throttle: LogThrottle;

  constructor(io: Server, options: IngestOptions) {
    this.#o = options;
    this.throttle = new LogThrottle(options.log, { clock: options.clock });
    io.on('connection', (socket) => new IngestSession(socket, this));
    // Notes §4.4: an idle match's ingest sockets are disconnected when it is removed.
    options.registry.onRemoved((groupCode, cause) => {
      if (cause !== 'idle' && cause !== 'failed') return;
      for (const s of this.#byGroup.get(groupCode) ?? []) hangUp(s);
    });
  }

  get options(): IngestOptions {
    return this.#o;
  }

  track(groupCode: string, socket: Socket): void {
    let set = this.#byGroup.get(groupCode);
    if (!set) this.#byGroup.set(groupCode, (set = new Set()));
    set.add(socket);
  }

  untrack(groupCode: string, socket: Socket): void {
    const set = this.#byGroup.get(groupCode);
    set?.delete(socket);
    if (set?.size === 0) this.#byGroup.delete(groupCode);
  }

  /** Takes the player's aux seat; false when another session holds it. */
  claimAuxSeat(key: string, session: IngestSession): boolean {
    if (this.#auxSeats.has(key)) return false;
    this.#auxSeats.set(key, session);
    return true;
  }

  releaseAuxSeat(key: string, session: IngestSession): void {
    if (this.#auxSeats.get(key) === session) this.#auxSeats.delete(key);
  }

  /** Stops the log throttle's timers (dialect shutdown). */
  close(): void {
    this.throttle.close();
  }
}

class IngestSession {
  readonly #socket: Socket;
  readonly #server: IngestServer;
  #role: Role = 'none';
  #groupCode = '';
  #matchId = '';
  #playerId = '';
  #logonTimer: unknown;

  constructor(socket: Socket, server: IngestServer) {
    this.#socket = socket;
    this.#server = server;
    this.#logonTimer = server.options.clock.setTimeout(() => {
      if (this.#role === 'none' || this.#role === 'pending') hangUp(socket);
    }, server.options.logonTimeoutMs);
    socket.on('obs_logon', (raw: unknown) => void this.#onObsLogon(raw).catch((err: unknown) => this.#fail(err)));
    socket.on('aux_logon', (raw: unknown) => this.#guard(() => this.#onAuxLogon(raw)));
    socket.on('obs_data', (raw: unknown) => this.#guard(() => this.#onObsData(raw)));
    socket.on('aux_data', (raw: unknown) => this.#guard(() => this.#onAuxData(raw)));
    socket.on('error', (err) => server.options.log.debug({ err }, 'spectra ingest: socket error'));
    socket.on('disconnect', () => this.#onDisconnect());
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#fail(err);
    }
  }

  #fail(err: unknown): void {
    // A bug or a hostile payload ends only this socket (STYLE rule 6).
    this.#server.options.log.warn({ err }, 'spectra ingest: handler failed');
    hangUp(this.#socket);
  }

  /**
   * The payload as an object (null: not JSON of an object, ignored as the original does). A payload
   * past the JSON bounds is refused (issue 20 item 1): a logon gets its failure ack, then every
   * socket is disconnected; the caller gets `undefined` and stops.
   */
  #decode(event: 'obs_logon' | 'aux_logon' | 'obs_data' | 'aux_data', raw: unknown): Obj | null | undefined {
    const checked = decodeCheckedPayload(raw, this.#server.options.jsonBounds);
    if (checked.ok) return checked.value;
    // A client may come back and send it again: logged once per burst, then counted.
    this.#server.throttle.warn(`json-bounds:${event}`, { event, reason: checked.reason }, 'spectra ingest: payload past the JSON bounds; disconnected');
    if (event === 'obs_logon' || event === 'aux_logon') this.#refuse(`${event}_ack`, `Invalid packet: ${checked.reason}.`);
    else hangUp(this.#socket);
    return undefined;
  }

  /**
   * Refusals added by issue 20 item 2 (key, player not in the match, seat taken) say
   * `type: "aux_authenticate"`: the real client reads only acks of that type, and then shows the
   * reason and stops (`connectorService.ts` `handleAuxAuthProcess`). The original's own refusals
   * keep its `"authenticate"` (see #refuse).
   */
  #refuseAux(reason: string): void {
    this.#ack('aux_logon_ack', { type: 'aux_authenticate', value: false, reason });
    hangUp(this.#socket);
  }

  #ack(event: 'obs_logon_ack' | 'aux_logon_ack', body: object): void {
    this.#socket.emit(event, JSON.stringify(body));
  }

  #refuse(event: 'obs_logon_ack' | 'aux_logon_ack', reason: string): void {
    // Failure acks say `type: "authenticate"` for aux too, as the original does (notes §4.3).
    this.#ack(event, { type: 'authenticate', value: false, reason });
    hangUp(this.#socket);
  }

  async #onObsLogon(raw: unknown): Promise<void> {
    const o = this.#server.options;
    if (this.#role !== 'none') return; // step 1: already authed (or being checked) → ignored
    const d = this.#decode('obs_logon', raw);
    if (d === undefined) return;
    if (!d) {
      o.log.debug('spectra ingest: obs_logon payload is not JSON; no ack, as the original');
      return;
    }
    const packet = checkObserverPacket(d, o.versions, o.serverVersion);
    if (!packet.ok) return this.#refuse('obs_logon_ack', packet.reason);
    this.#role = 'pending';
    const key = await checkKey(d.key, o.keys, o.fetchImpl);
    if (this.#socket.disconnected) return;
    if (!key.ok) return this.#refuse('obs_logon_ack', key.reason);
    const groupCode = d.groupCode as string;
    const existing = o.registry.get(groupCode);
    let reason: string;
    if (!existing) {
      const created = o.registry.create({
        groupCode,
        leftTeam: normaliseTeam(d.leftTeam, 'Left'),
        rightTeam: normaliseTeam(d.rightTeam, 'Right'),
        tools: normaliseTools(d.toolsData),
        ...(key.organizationId ? { organizationId: key.organizationId } : {}),
      });
      if (!created) return this.#refuse('obs_logon_ack', REASONS.capacity);
      reason = created.groupSecret;
    } else if (typeof d.groupSecret === 'string' && safeEqual(d.groupSecret, existing.groupSecret)) {
      existing.lastEventAt = o.clock.now();
      reason = REASONS.reconnected;
    } else {
      return this.#refuse('obs_logon_ack', liveGroupReason(groupCode));
    }
    this.#role = 'observer';
    this.#groupCode = groupCode;
    this.#server.track(groupCode, this.#socket);
    this.#clearLogonTimer();
    this.#ack('obs_logon_ack', { type: 'authenticate', value: true, reason });
  }

  #onAuxLogon(raw: unknown): void {
    const o = this.#server.options;
    if (this.#role !== 'none') return;
    const d = this.#decode('aux_logon', raw);
    if (!d) return;
    const packet = checkAuxPacket(d, o.versions, o.serverVersion);
    if (!packet.ok) return this.#refuse('aux_logon_ack', packet.reason);
    if (!checkAuxKey(d.key, o.auxAuthKey).ok) return this.#refuseAux(REASONS.invalidKey);
    // A match is found only once its observer sent `match_start` (notes §4.3).
    const matchId = d.matchId as string;
    const matches = o.registry.byMatchId(matchId);
    if (matches.length === 0) return this.#refuse('aux_logon_ack', matchNotFoundReason(matchId));
    // Issue 20 item 2: the session is bound to a player of that match's roster, one session each.
    const playerId = text(d.playerId);
    if (!matches.some((m) => m.hasPlayer(playerId))) return this.#refuseAux(playerNotInMatchReason(playerId, matchId));
    if (!this.#server.claimAuxSeat(auxSeatKey(matchId, playerId), this)) return this.#refuseAux(playerTakenReason(playerId));
    this.#role = 'aux';
    this.#matchId = matchId;
    this.#playerId = playerId;
    this.#clearLogonTimer();
    this.#ack('aux_logon_ack', { type: 'aux_authenticate', value: true });
  }

  /** Observer data goes to the group code the observer logged on with, whatever the payload says. */
  #onObsData(raw: unknown): void {
    if (this.#role !== 'observer') return;
    const d = this.#decode('obs_data', raw);
    if (!d || !present(d.obsName) || !present(d.groupCode) || !present(d.type) || !hasData(d)) return;
    this.#server.options.registry.apply(this.#groupCode, text(d.type, '', 64), d.data);
  }

  /**
   * Aux data goes to every match with the aux client's authenticated match id, as the bound
   * player's (aux-binding.ts); refused data is dropped (never acknowledged, like all data) and
   * logged once per burst. An observer's aux data goes to its own match.
   */
  #onAuxData(raw: unknown): void {
    const d = this.#decode('aux_data', raw);
    if (!d || !present(d.playerId) || !present(d.matchId) || !present(d.type) || !hasData(d)) return;
    const registry = this.#server.options.registry;
    if (this.#role === 'aux') {
      const verdict = checkAuxData(d, this.#playerId);
      if (!verdict.ok) {
        this.#server.throttle.warn(`aux refused: ${verdict.why}`, { why: verdict.why }, 'spectra ingest: aux_data refused');
        return;
      }
      for (const match of registry.byMatchId(this.#matchId)) {
        registry.apply(match.state.groupCode, verdict.type, d.data, this.#playerId);
      }
    } else if (this.#role === 'observer') {
      registry.apply(this.#groupCode, text(d.type, '', 64), d.data, text(d.playerId));
    }
  }

  #onDisconnect(): void {
    this.#clearLogonTimer();
    if (this.#role === 'observer') this.#server.untrack(this.#groupCode, this.#socket);
    if (this.#role === 'aux') {
      this.#server.releaseAuxSeat(auxSeatKey(this.#matchId, this.#playerId), this);
      // Notes §4.3 "Disconnect": the aux player's availability flags are reset.
      for (const match of this.#server.options.registry.byMatchId(this.#matchId)) match.setAuxDisconnected(this.#playerId);
    }
  }

  #clearLogonTimer(): void {
    if (this.#logonTimer !== null) this.#server.options.clock.clearTimeout(this.#logonTimer);
    this.#logonTimer = null;
  }
}

/** `data` must be present; unlike the original's truthiness test, `false` and `0` count (aux flags, health 0). */
function hasData(d: Obj): boolean {
  return d.data !== undefined && d.data !== null;
}
