/**
 * VALORANT internal names → the display names the overlay shows (notes §4.5: `agentProper`,
 * `armorName`, `highestWeapon`, `map`). Game data, as sent by the Spectra client.
 */

const AGENT_CODENAMES: Readonly<Record<string, string>> = {
  Clay: 'Raze',
  Pandemic: 'Viper',
  Wraith: 'Omen',
  Hunter: 'Sova',
  Thorne: 'Sage',
  Phoenix: 'Phoenix',
  Wushu: 'Jett',
  Gumshoe: 'Cypher',
  Sarge: 'Brimstone',
  Breach: 'Breach',
  Vampire: 'Reyna',
  Killjoy: 'Killjoy',
  Guide: 'Skye',
  Stealth: 'Yoru',
  Rift: 'Astra',
  // "KAYO" without the slash: the overlay builds image file names from it.
  Grenadier: 'KAYO',
  Deadeye: 'Chamber',
  Sprinter: 'Neon',
  BountyHunter: 'Fade',
  Mage: 'Harbor',
  Aggrobot: 'Gekko',
  Cable: 'Deadlock',
  Sequoia: 'Iso',
  Smonk: 'Clove',
  Nox: 'Vyse',
  Cashew: 'Tejo',
  Terra: 'Waylay',
};

/** `Clay_PC_C` / `Clay` → `Raze`; unknown names pass through unchanged; empty → "No Agent selected". */
export function agentProper(internal: string): string {
  if (internal === '') return 'No Agent selected';
  const codename = internal.endsWith('_PC_C') ? internal.slice(0, -5) : internal;
  return Object.hasOwn(AGENT_CODENAMES, codename) ? AGENT_CODENAMES[codename]! : internal;
}

/** Killfeed assist icons (`TX_Killfeed_Raze`) → the internal agent codename (`Clay`). */
export function agentFromKillfeedIcon(icon: string): string | undefined {
  const display = icon.startsWith('TX_Killfeed_') ? icon.slice('TX_Killfeed_'.length) : icon;
  for (const [codename, name] of Object.entries(AGENT_CODENAMES)) if (name === display) return codename;
  return undefined;
}

/** Agents whose internal names the overlay uses for icon-suffix special cases. */
export const SPECIAL_AGENTS = { astra: 'Astra', clove: 'Clove', cypher: 'Cypher' } as const;

/** Icon variants the overlay appends to the agent icon name. */
export const ICON_SUFFIXES = { cloveUltimate: '_Ult', astraTargeting: '_Targeting', cypherCam: '_Cam' } as const;

const MAPS: Readonly<Record<string, string>> = {
  // The client sends "Infinityy" for Abyss (notes §4.3).
  Infinityy: 'Abyss',
  Infinity: 'Abyss',
  Triad: 'Haven',
  Duality: 'Bind',
  Bonsai: 'Split',
  Ascent: 'Ascent',
  Port: 'Icebox',
  Foxtrot: 'Breeze',
  Canyon: 'Fracture',
  Pitt: 'Pearl',
  Jam: 'Lotus',
  Juliett: 'Sunset',
  Range: 'Practice Range',
  HURM_Alley: 'District',
  HURM_Yard: 'Piazza',
  HURM_Bowl: 'Kasbah',
  HURM_Helix: 'Drift',
  Corrode_Map: 'Corrode',
};

/** Internal map name → display name; unknown names pass through. */
export function mapName(internal: string): string {
  return Object.hasOwn(MAPS, internal) ? MAPS[internal]! : internal;
}

/** Scoreboard `initialArmor` index → armour name. */
const ARMOR = ['None', 'Light', 'Heavy', 'None', 'Regen'] as const;

export function armorName(index: unknown): string {
  return typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < ARMOR.length ? ARMOR[index]! : 'None';
}

const WEAPONS: Readonly<Record<string, string>> = {
  TX_Hud_Pistol_Classic: 'Classic',
  TX_Hud_Pistol_Glock_S: 'Classic',
  TX_Hud_Pistol_Slim: 'Shorty',
  TX_Hud_Pistol_SawedOff_S: 'Shorty',
  TX_Hud_Pistol_AutoPistol: 'Frenzy',
  TX_Hud_AutoPistol: 'Frenzy',
  TX_Hud_Pistol_Luger: 'Ghost',
  TX_Hud_Pistol_Luger_S: 'Ghost',
  TX_Hud_Pistol_Sheriff: 'Sheriff',
  TX_Hud_Pistol_Revolver_S: 'Sheriff',
  TX_Hud_Shotguns_Pump: 'Bucky',
  TX_Hud_Pump: 'Bucky',
  TX_Hud_Shotguns_Persuader: 'Judge',
  TX_Hud_Shotguns_Spas12_S: 'Judge',
  TX_Hud_SMGs_Vector: 'Stinger',
  TX_Hud_Vector: 'Stinger',
  TX_Hud_SMGs_Ninja: 'Spectre',
  TX_Hud_SMG_MP5_S: 'Spectre',
  TX_Hud_Rifles_Burst: 'Bulldog',
  TX_Hud_Burst: 'Bulldog',
  TX_Hud_Rifles_DMR: 'Guardian',
  tx_hud_dmr: 'Guardian',
  TX_Hud_Rifles_Ghost: 'Phantom',
  TX_Hud_Assault_AR10A2_S: 'Phantom',
  TX_Hud_Rifles_Volcano: 'Vandal',
  TX_Hud_Volcano: 'Vandal',
  TX_Hud_Sniper_Bolt: 'Marshal',
  TX_Hud_Sniper_BoltAction_S: 'Marshal',
  TX_Hud_Sniper_Operater: 'Operator',
  TX_Hud_Operator: 'Operator',
  TX_Hud_Sniper_DoubleSniper: 'Outlaw',
  TX_Hud_DoubleSniper: 'Outlaw',
  TX_Hud_LMG: 'Ares',
  TX_Hud_HMG: 'Odin',
  knife: 'Knife',
  TX_Hud_Knife_Standard_S: 'Knife',
  unknown: 'Unknown',
};

/** Scoreboard weapon icon → weapon name ("Unknown" for anything else). */
export function weaponName(internal: unknown): string {
  return typeof internal === 'string' && Object.hasOwn(WEAPONS, internal) ? WEAPONS[internal]! : 'Unknown';
}
