import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { notedIfSilent } from '../../scripts/lib/silence.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a request noted when it stays silent', () => {
  it('says so once when no answer came in time, and nothing for an answer in time', async () => {
    // Prepare
    const notes: string[] = [];
    let answer: (value: string) => void = () => undefined;
    const slow = notedIfSilent(new Promise<string>((resolve) => (answer = resolve)), 15_000, () => notes.push('slow'));
    const quick = notedIfSilent(Promise.resolve('quick'), 15_000, () => notes.push('quick'));
    // Act
    await vi.advanceTimersByTimeAsync(14_999);
    const before = [...notes];
    await vi.advanceTimersByTimeAsync(60_000);
    answer('late');
    // Assess
    expect(before).toEqual([]);
    expect(notes).toEqual(['slow']);
    await expect(Promise.all([slow, quick])).resolves.toEqual(['late', 'quick']);
  });

  it('notes nothing after a request that failed in time, and hands its error on', async () => {
    // Prepare
    const notes: string[] = [];
    // Act
    const failed = notedIfSilent(Promise.reject(new Error('refused')), 15_000, () => notes.push('silent'));
    // Assess
    await expect(failed).rejects.toThrow('refused');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(notes).toEqual([]);
  });
});
