// Ticker text for spec 0.1.1 events (protocol-notes §1.4); names come from the MatchInit roster.

function teamNameOf(init, id) {
  const team = (init?.teams ?? []).find((t) => t.id === id);
  return team ? (team.short_name ?? team.name) : (id ?? '?');
}

function playerNameOf(roster, id) {
  const p = roster.get(id);
  return p ? `${p.name} (${p.number})` : (id ?? '?');
}

/**
 * The ticker's line for an event, or null for the frequent ones (passes, tackles, throw-ins).
 * `init` is the current MatchInit, `roster` maps player id → {name, number}.
 */
export function describeEvent(ev, init, roster) {
  const teamName = (id) => teamNameOf(init, id);
  const playerName = (id) => playerNameOf(roster, id);
  switch (ev.type) {
    case 'event.kickoff':
      return `Kick-off: ${teamName(ev.team)}`;
    case 'event.goal':
      return `GOAL! ${playerName(ev.player)} for ${teamName(ev.team)}${ev.assist ? `, assist ${playerName(ev.assist)}` : ''}`;
    case 'event.score_change':
      return `Score ${ev.home}–${ev.away}`;
    case 'event.shot':
      return `Shot by ${playerName(ev.player)}${ev.on_target ? ' on target' : ' off target'}${ev.saved ? ', saved' : ''}`;
    case 'event.save':
      return `Save by ${playerName(ev.keeper)}`;
    case 'event.foul':
      return ev.severity === 'yellow' ? `Yellow card: ${playerName(ev.player)}` : ev.severity === 'red' ? `RED card: ${playerName(ev.player)}` : `Foul by ${playerName(ev.player)}`;
    case 'event.substitution':
      return `Substitution ${teamName(ev.team)}: ${playerName(ev.player_in)} for ${playerName(ev.player_out)}`;
    case 'event.period_start':
      return `Period ${ev.period} starts`;
    case 'event.period_end':
      return `End of period ${ev.period}`;
    case 'event.match_end':
      return 'Full time';
    case 'event.penalty_shootout_start':
      return 'Penalty shoot-out';
    case 'event.penalty_attempt':
      return `Penalty ${ev.outcome}: ${playerName(ev.player)}`;
    case 'event.penalty_shootout_end':
      return `Shoot-out won by ${teamName(ev.winner)}`;
    case 'event.commentary':
      return typeof ev.text === 'string' ? ev.text.slice(0, 200) : null;
    default:
      return null;
  }
}
