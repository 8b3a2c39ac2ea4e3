import { describe, expect, it } from 'vitest';
import { waitFor, WaitTimeout } from '../../scripts/lib/wait.js';

describe('waitFor', () => {
  it('returns the first value a probe finds', async () => {
    // Prepare
    let probes = 0;
    // Act
    const found = await waitFor('the third probe', async () => ((probes += 1) === 3 ? 'found' : undefined), { timeoutMs: 5_000, intervalMs: 1 });
    // Assess
    expect([found, probes]).toEqual(['found', 3]);
  });

  it('ends by its time limit when a probe never answers, and says the check went unanswered', async () => {
    // Prepare: a target that takes the request and says nothing
    const silent = () => new Promise<string | undefined>(() => undefined);
    const started = Date.now();
    // Act
    const waited = await waitFor('a silent target', silent, { timeoutMs: 200 }).catch((error: unknown) => error);
    // Assess
    expect(waited).toBeInstanceOf(WaitTimeout);
    expect((waited as WaitTimeout).unanswered).toBe(true);
    expect((waited as WaitTimeout).message).toMatch(/^timed out after 0\.\d s waiting for a silent target \(the last check went unanswered for 0\.\d s\)$/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('says a probe that kept answering "not yet" was answered', async () => {
    // Act
    const waited = await waitFor('never', async () => undefined, { timeoutMs: 50, intervalMs: 10 }).catch((error: unknown) => error);
    // Assess
    expect(waited).toBeInstanceOf(WaitTimeout);
    expect((waited as WaitTimeout).unanswered).toBe(false);
    expect((waited as WaitTimeout).message).toMatch(/^timed out after 0\.\d s waiting for never$/);
  });
});
