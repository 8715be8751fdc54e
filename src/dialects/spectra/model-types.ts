/**
 * The match state model the original overlay renders (protocol-notes §4.5). Every object here is
 * plain JSON: timers, secrets and counters live outside it (see match-state.ts), so the wire form
 * is this object with `tools.playercamsInfo.secret/endTime` removed (sanitize.ts).
 */

export type RecordType = 'detonated' | 'defused' | 'kills' | 'timeout' | 'lost' | 'upcoming';

export interface RoundRecordEntry {
  type: RecordType;
  wasAttack: boolean;
  round: number;
}

export interface Abilities {
  grenade: number;
  ability1: number;
  ability2: number;
}

export interface AuxAvailability {
  health: boolean;
  abilities: boolean;
  scoreboard: boolean;
}

export interface PlayerState {
  name: string;
  tagline: string;
  riotId: string;
  /**
   * The same puuid as `riotId`. The original never sends it; Spectra-Frontend's scoreboard keys
   * its player rows by it (`track player.playerId`), which without it are all `undefined`.
   */
  playerId: string;
  searchName: string;
  fullName: string;
  position: number;
  locked: boolean;
  agentInternal: string;
  agentProper: string;
  isAlive: boolean;
  hasSpike: boolean;
  isObserved: boolean;
  health: number;
  abilities: Abilities;
  kills: number;
  deaths: number;
  assists: number;
  kdRatio: number;
  killsThisRound: number;
  deathsThisRound: number;
  killedPlayerNames: string[];
  currUltPoints: number;
  maxUltPoints: number;
  ultReady: boolean;
  money: number;
  moneySpent: number;
  spentMoneyThisRound: boolean;
  armorName: string;
  highestWeapon: string;
  currentMMRTier: number;
  peakMMRTier: number;
  teamKills: number;
  headshotKills: number;
  headshotRatio: number;
  killsByWeaponsAndAbilities: Record<string, number>;
  killsOnEnemyPlayer: Record<string, number>;
  killsOnTeammatePlayer: Record<string, number>;
  assistsFromTeammate: Record<string, number>;
  scoreboardAvailable: boolean;
  auxiliaryAvailable: AuxAvailability;
  iconNameSuffix: string;
}

export interface TeamState {
  teamName: string;
  teamTricode: string;
  teamUrl: string;
  ingameTeamId: number;
  isAttacking: boolean;
  hasHandledTeam: boolean;
  roundsWon: number;
  spentThisRound: number;
  roundRecord: RoundRecordEntry[];
  removeTricode: boolean;
  players: PlayerState[];
  playerCount: number;
  hasDuplicateAgents: boolean;
}

export interface SpikeState {
  planted: boolean;
  detonated: boolean;
  defused: boolean;
}

export interface TimeoutState {
  techPause: boolean;
  leftTeam: boolean;
  rightTeam: boolean;
  timeRemaining: number;
}

export interface ToastInfo {
  duration: number | null;
  title: string;
  message: string;
  eventLogoEnabled: boolean;
  selectedTeam?: string;
  active: boolean;
}

/**
 * ToolsData as the observer sends it at logon (notes §4.3), normalised with the defaults of the
 * original's `src/model/ToolsData.ts`: every field is always present, whatever the client sent
 * (Spectra-Client 0.3.3 sends only seriesInfo, seedingInfo, tournamentInfo and timeoutDuration).
 */
export interface ToolsState {
  seriesInfo: { needed: number; wonLeft: number; wonRight: number; mapInfo: unknown[] };
  seedingInfo: { left: string; right: string };
  tournamentInfo: { name: string; logoUrl: string; backdropUrl: string };
  timeoutDuration: number;
  timeoutCounter: { max: number; left: number; right: number };
  /** Seconds within which a cancelled team timeout is refunded (original default 10). */
  timeoutCancellationGracePeriod: number;
  sponsorInfo: { enabled: boolean; duration: number; sponsors: unknown[] };
  watermarkInfo: { spectraWatermark: boolean; customTextEnabled: boolean; customText: string };
  /** `secret` and `endTime` never leave the server (notes §4.5). */
  playercamsInfo: {
    enable: boolean;
    removeTricodes: boolean;
    identifier: string;
    secret: string;
    endTime: number;
    enabledPlayers: unknown[];
    /** Which team's voice the playercams listen to: `false`, `"left"` or `"right"`. */
    listenIn: false | 'left' | 'right';
  };
  roundWinBox: { type: string; sponsors: unknown[] };
  /** A JSON string of `[fullName, displayName]` pairs; the frontend reads `.overrides` unconditionally. */
  nameOverrides: { overrides: string };
}

export interface MatchWire {
  matchId: string;
  matchType: string;
  switchRound: number;
  firstOtRound: number;
  groupCode: string;
  isRunning: boolean;
  agentSelectStartTime?: number;
  roundNumber: number;
  roundPhase: string;
  roundTimeoutTime?: number;
  wasTimeout: boolean;
  spikeDetonationTime?: number;
  teams: TeamState[];
  map: string;
  spikeState: SpikeState;
  attackersWon: boolean;
  showAliveKDA: boolean;
  timeoutState: TimeoutState;
  timeoutGracePeriodPassed: boolean;
  toastInfo: ToastInfo;
  hasEnteredOvertime: boolean;
  tools: ToolsState;
  organizationId: string;
  isRegistered: boolean;
  orgIsSupporter: boolean;
}

/** One logon team (`AuthTeam`, notes §4.3). */
export interface AuthTeam {
  name: string;
  tricode: string;
  url: string;
  attackStart: boolean;
}
