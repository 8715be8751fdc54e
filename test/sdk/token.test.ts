/** Token refresh timing (sdk/src/token.ts): read `exp` without verifying, refresh before it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refreshDelayMs, tokenExpiryMs } from '../../sdk/src/token.js';

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims: Record<string, unknown>) => `${b64url({ alg: 'HS256' })}.${b64url(claims)}.sig`;

describe('sdk token timing', () => {
  it('reads exp (seconds) as ms, and nothing from tokens without it or garbage', () => {
    assert.equal(tokenExpiryMs(jwt({ exp: 1_800_000_000, name: 'Zoë ✓' })), 1_800_000_000_000);
    assert.equal(tokenExpiryMs(jwt({ sub: 'x' })), undefined);
    assert.equal(tokenExpiryMs('not-a-jwt'), undefined);
    assert.equal(tokenExpiryMs('a.!!!.c'), undefined);
  });

  it('refreshes 30 s before exp, at most half the remaining life before, never sooner than 1 s', () => {
    const now = 1_000_000_000_000;
    assert.equal(refreshDelayMs(jwt({ exp: now / 1000 + 3600 }), now), 3_570_000);
    assert.equal(refreshDelayMs(jwt({ exp: now / 1000 + 20 }), now), 10_000);
    assert.equal(refreshDelayMs(jwt({ exp: now / 1000 - 5 }), now), 1_000);
    assert.equal(refreshDelayMs(jwt({ exp: now / 1000 + 600 }), now, { leadMs: 60_000 }), 540_000);
    assert.equal(refreshDelayMs(jwt({}), now), undefined);
  });
});
