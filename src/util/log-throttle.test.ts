import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, type Logger } from '../core/index.js';
import { LogThrottle } from './log-throttle.js';

function recordingLogger(lines: Array<{ level: string; obj: object; msg?: string }>): Logger {
  const at = (level: string) => (obj: object | string, msg?: string) => void lines.push({ level, obj: typeof obj === 'string' ? {} : obj, msg: typeof obj === 'string' ? obj : msg });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}

describe('log throttle', () => {
  it('logs the first occurrence, then one summary line per interval with the count', () => {
    const lines: Array<{ level: string; obj: object; msg?: string }> = [];
    const clock = new ManualClock();
    const throttle = new LogThrottle(recordingLogger(lines), { clock, intervalMs: 5_000 });
    for (let i = 0; i < 1_090; i++) throttle.warn('publish failed', { channel: 'match:a' }, 'publish failed');
    assert.equal(lines.length, 1);
    clock.advance(5_000);
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[1]!.obj, { channel: 'match:a', repeated: 1_089 });
    clock.advance(60_000);
    assert.equal(lines.length, 2, 'nothing more to report');
    throttle.warn('publish failed', { channel: 'match:a' }, 'publish failed');
    assert.equal(lines.length, 3, 'a new burst after a quiet interval is logged at once');
  });

  it('keeps keys apart and bounds how many it tracks', () => {
    const lines: Array<{ level: string; obj: object; msg?: string }> = [];
    const clock = new ManualClock();
    const throttle = new LogThrottle(recordingLogger(lines), { clock, maxKeys: 2 });
    throttle.warn('a', {}, 'a');
    throttle.warn('b', {}, 'b');
    throttle.warn('c', {}, 'c'); // forgets 'a'
    throttle.warn('a', {}, 'a');
    assert.deepEqual(lines.map((l) => l.msg), ['a', 'b', 'c', 'a']);
    throttle.close();
    assert.equal(clock.pending, 0);
  });
});
