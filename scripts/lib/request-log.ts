import { withinTime } from './http.js';
import { WaitTimeout } from './wait.js';

/** What a function's SDK adds to its user agent (AWS_EXECUTION_ENV), on the embedded emulator and on Lambda: its requests' mark. */
export const FUNCTION_AGENT = 'exec-env/AWS_Lambda';

/** One request as the embedded emulator recorded it (scripts/emulator/kit_emulator/request_log.py). */
export type RequestRecord = {
  /** Epoch milliseconds when the request arrived and when its response had been sent. */
  readonly startMs: number;
  readonly endMs: number;
  readonly service: string;
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The client's port: requests on one connection share it. */
  readonly remotePort: string;
  readonly userAgent: string;
};

/**
 * The requests the embedded emulator at `endpoint` received since `sinceMs` (epoch ms), oldest first. A request
 * is logged a moment after its response left, so a reader that just got a response waits for its record.
 */
export async function emulatorRequests(endpoint: string, sinceMs: number): Promise<RequestRecord[]> {
  const records = await readLog(endpoint, new URLSearchParams({ since: String(sinceMs) }), ANSWER_MS);
  return records.sort((a, b) => a.startMs - b.startMs);
}

/** How long the emulator may take to answer beyond the time it was asked to hold a request. */
const ANSWER_MS = 10_000;
/** The longest the emulator holds a request (MAX_WAIT_MS in launcher.py); a longer wait asks again. */
const MAX_HELD_MS = 30_000;

/** The records a query of the request log answers, within `timeoutMs`. */
async function readLog(endpoint: string, query: URLSearchParams, timeoutMs: number): Promise<RequestRecord[]> {
  return withinTime(timeoutMs, async (signal) => {
    const response = await fetch(`${endpoint}/_backup-kit/requests?${query}`, { signal });
    if (!response.ok) throw new Error(`the emulator at ${endpoint} has no request log to read (HTTP ${response.status}): is it the embedded emulator of this checkout?`);
    return (await response.json()) as RequestRecord[];
  });
}

/** Successful calls of one operation on one path, or on the paths under a prefix, as the request log names them. */
export type AwaitedRequests = {
  readonly operation: string;
  readonly path?: string;
  readonly pathPrefix?: string;
  /** How many to wait for; 1 unless told. */
  readonly atLeast?: number;
  readonly sinceMs: number;
  readonly timeoutMs: number;
};

/**
 * Waits until the embedded emulator has recorded the successful calls described (e.g. CopyObject on
 * /bucket/key) that arrived at or after `sinceMs`, with held requests instead of polling, so that the watching
 * adds no load to what it watches. Returns them in the order they ended.
 */
export async function awaitRequests(endpoint: string, wanted: AwaitedRequests): Promise<RequestRecord[]> {
  const atLeast = wanted.atLeast ?? 1;
  const deadline = Date.now() + wanted.timeoutMs;
  const where = wanted.path ?? `${wanted.pathPrefix ?? ''}…`;
  for (;;) {
    const waitMs = Math.min(Math.max(0, deadline - Date.now()), MAX_HELD_MS);
    const query = new URLSearchParams({ since: String(wanted.sinceMs), operation: wanted.operation, succeeded: 'true', atLeast: String(atLeast), waitMs: String(waitMs) });
    if (wanted.path !== undefined) query.set('path', wanted.path);
    if (wanted.pathPrefix !== undefined) query.set('pathPrefix', wanted.pathPrefix);
    const found = await readLog(endpoint, query, waitMs + ANSWER_MS);
    if (found.length >= atLeast) return found;
    if (Date.now() >= deadline) throw new WaitTimeout(`${found.length} of ${atLeast} successful ${wanted.operation} on ${where} within ${wanted.timeoutMs} ms`);
  }
}
