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

  it('ends at once when its signal aborts while a check is under way, not after the pause that follows it', async () => {
    // Prepare: a Ctrl-C that comes while the probe reads (case 8 reading CloudTrail's files), checks 30 s apart
    const interrupted = new AbortController();
    const probe = async () => {
      interrupted.abort(new Error('interrupted'));
      return undefined;
    };
    // Act
    const waited = waitFor('a delivery', probe, { timeoutMs: 600_000, intervalMs: 30_000, signal: interrupted.signal }).catch((error: unknown) => error);
    const outcome = await Promise.race([waited, new Promise((resolve) => setTimeout(() => resolve('still pausing'), 1_000))]);
    // Assess
    expect(outcome).toEqual(new Error('interrupted'));
  });
});
