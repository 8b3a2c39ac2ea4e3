export class WaitTimeout extends Error {
  override readonly name = 'WaitTimeout';
}

export type WaitOptions = {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Called about every `progressEveryMs` with the time waited so far. */
  readonly onProgress?: (waitedMs: number) => void;
  readonly progressEveryMs?: number;
  /** Ends the wait early: it rejects with the signal's reason. */
  readonly signal?: AbortSignal;
};

/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` with a message
 * that says what was awaited.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const started = Date.now();
  const interval = options.intervalMs ?? 250;
  let lastProgress = started;
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await probe();
    if (value !== undefined) return value;
    const waited = Date.now() - started;
    if (waited >= options.timeoutMs) {
      throw new WaitTimeout(`timed out after ${(waited / 1000).toFixed(1)} s waiting for ${what}`);
    }
    if (options.onProgress && Date.now() - lastProgress >= (options.progressEveryMs ?? 30_000)) {
      lastProgress = Date.now();
      options.onProgress(waited);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, options.timeoutMs - waited)));
  }
}
