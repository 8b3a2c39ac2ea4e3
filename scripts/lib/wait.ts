export class WaitTimeout extends Error {
  override readonly name = 'WaitTimeout';

  /** Whether the wait ended inside a check that had not answered: the target, not what was awaited, is the question. */
  constructor(
    message: string,
    readonly unanswered = false,
  ) {
    super(message);
  }
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

/** A check started at the very end still gets this long (or the whole wait, if shorter) to answer. */
const LAST_CHECK_MS = 5_000;

/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` with a message
 * that says what was awaited. A probe that does not answer (a target that took the request and went silent) is
 * not waited for past the limit: the wait ends and says so.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const started = Date.now();
  const interval = options.intervalMs ?? 250;
  let lastProgress = started;
  for (;;) {
    options.signal?.throwIfAborted();
    const checkStarted = Date.now();
    const allowed = Math.max(options.timeoutMs - (checkStarted - started), Math.min(LAST_CHECK_MS, options.timeoutMs));
    const value = await answerWithin(probe(), allowed, () => {
      const waited = (Date.now() - started) / 1000;
      const silent = (Date.now() - checkStarted) / 1000;
      return new WaitTimeout(`timed out after ${waited.toFixed(1)} s waiting for ${what} (the last check went unanswered for ${silent.toFixed(1)} s)`, true);
    });
    if (value !== undefined) return value;
    const waited = Date.now() - started;
    if (waited >= options.timeoutMs) {
      throw new WaitTimeout(`timed out after ${(waited / 1000).toFixed(1)} s waiting for ${what}`);
    }
    if (options.onProgress && Date.now() - lastProgress >= (options.progressEveryMs ?? 30_000)) {
      lastProgress = Date.now();
      options.onProgress(waited);
    }
    await pause(Math.min(interval, options.timeoutMs - waited), options.signal);
  }
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts (a wait polling every 30 s stopped at once). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    // Aborted during the check before it: an 'abort' event already sent is not sent again to a listener added now.
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const aborted = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }, ms);
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/** The probe's answer, or the error `late` makes once `ms` have passed; a probe left behind is ignored whatever it ends with. */
function answerWithin<T>(answer: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  answer.catch(() => undefined);
  return Promise.race([answer, deadline]).finally(() => clearTimeout(timer));
}
