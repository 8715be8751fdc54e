/**
 * Match producers (issue #2 "Producers"; protocol-notes §1.4, §1.5): the synthetic match, the
 * StatsBomb replay and the demos `npm start` runs. They only see a MatchFeed (DESIGN.md).
 */
export { createMockMatch, mockMatchMessages, MOCK_DEFAULTS, type MockMatchOptions } from './mock.js';
export { createStatsBombReplay, replayMessages, type StatsBombReplayOptions } from './statsbomb/replay.js';
export { loadStatsBomb, type StatsBombData, type StatsBombFiles } from './statsbomb/load.js';
export { startMatchDemos, supervise, replayStreamId, DEMO_MATCH_IDS, RETRY_DELAY_MS, type MatchDemoOptions } from './demos.js';
export { checkOpenDataFolder, openDataFiles, shippedFiles, SHIPPED_MATCH_ID } from './statsbomb/source.js';
export { playTimeline, playRounds, sleep } from './timeline.js';
