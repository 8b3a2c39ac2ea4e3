/**
 * Runs a request with a time limit that keeps the process alive until the request ends. AbortSignal.timeout's
 * timer does not: Node 20's fetch stalls, holding nothing open, when a server closes the connection without an
 * answer, and a script waiting on it would end there with exit code 0 and no word.
 */
export async function withinTime<T>(timeoutMs: number, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    return await request(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** True when `url` answers 2xx within the time; any network error is simply "no". */
export async function answersOk(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    return await withinTime(timeoutMs, async (signal) => (await fetch(url, { signal })).ok);
  } catch {
    return false;
  }
}

/** The JSON a URL answers with (2xx) within the time, or undefined for any failure: no answer, an error status, not JSON. */
export async function jsonAt<T>(url: string, timeoutMs = 2_000): Promise<T | undefined> {
  try {
    return await withinTime(timeoutMs, async (signal) => {
      const response = await fetch(url, { signal });
      return response.ok ? ((await response.json()) as T) : undefined;
    });
  } catch {
    return undefined;
  }
}
