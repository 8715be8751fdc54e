/**
 * The logon's `toolsData` and teams (notes §4.3), normalised: known fields only, each with a
 * type-checked default, so whatever an observer sends, the state stays the shape the overlay reads.
 * The defaults are the original's (`Spectra-Server` `src/model/ToolsData.ts`), so a client that
 * sends only part of ToolsData (Spectra-Client 0.3.3 never sends `nameOverrides`, on which
 * Spectra-Frontend 0.3.4 reads `.overrides` unguarded) still gets every field (issue 14).
 */
import { bool, list, num, obj, text } from './codec.js';
import type { AuthTeam, ToolsState } from './model-types.js';

export function normaliseTeam(value: unknown, fallbackName: string): AuthTeam {
  const t = obj(value);
  return {
    name: text(t.name, fallbackName),
    tricode: text(t.tricode, fallbackName.slice(0, 4).toUpperCase()),
    url: text(t.url, '', 2048),
    attackStart: bool(t.attackStart),
  };
}

export function normaliseTools(value: unknown): ToolsState {
  const t = obj(value);
  const series = obj(t.seriesInfo);
  const seeding = obj(t.seedingInfo);
  const tournament = obj(t.tournamentInfo);
  const counter = obj(t.timeoutCounter);
  const sponsor = obj(t.sponsorInfo);
  const watermark = obj(t.watermarkInfo);
  const cams = obj(t.playercamsInfo);
  const winBox = obj(t.roundWinBox);
  const overrides = obj(t.nameOverrides);
  // The original's constructor sets both counters to `max` whatever was sent (ToolsData.ts).
  const maxTimeouts = Math.max(0, Math.min(num(counter.max, 2), 99));
  return {
    seriesInfo: {
      needed: num(series.needed, 1),
      wonLeft: num(series.wonLeft),
      wonRight: num(series.wonRight),
      mapInfo: list(series.mapInfo, 16),
    },
    seedingInfo: { left: text(seeding.left), right: text(seeding.right) },
    tournamentInfo: {
      name: text(tournament.name),
      logoUrl: text(tournament.logoUrl, '', 2048),
      backdropUrl: text(tournament.backdropUrl, '', 2048),
    },
    timeoutDuration: Math.max(0, Math.min(num(t.timeoutDuration, 60), 3600)),
    timeoutCounter: { max: maxTimeouts, left: maxTimeouts, right: maxTimeouts },
    timeoutCancellationGracePeriod: Math.max(0, Math.min(num(t.timeoutCancellationGracePeriod, 10), 3600)),
    // Milliseconds: the frontend's sponsor box passes it to setInterval as is. The original's
    // default reads 5, which would rotate every 5 ms; 5000 is the frontend's own initial value.
    sponsorInfo: { enabled: bool(sponsor.enabled), duration: num(sponsor.duration, 5000), sponsors: list(sponsor.sponsors, 32) },
    watermarkInfo: {
      spectraWatermark: bool(watermark.spectraWatermark, true),
      customTextEnabled: bool(watermark.customTextEnabled),
      customText: text(watermark.customText),
    },
    playercamsInfo: {
      enable: bool(cams.enable),
      removeTricodes: bool(cams.removeTricodes),
      identifier: text(cams.identifier),
      secret: text(cams.secret),
      endTime: num(cams.endTime),
      enabledPlayers: list(cams.enabledPlayers, 10),
      listenIn: cams.listenIn === 'left' || cams.listenIn === 'right' ? cams.listenIn : false,
    },
    nameOverrides: { overrides: text(overrides.overrides, '[]', 65_536) },
    roundWinBox: { type: text(winBox.type, 'disabled'), sponsors: list(winBox.sponsors, 32) },
  };
}
