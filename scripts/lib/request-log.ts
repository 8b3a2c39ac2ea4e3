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
  const response = await fetch(`${endpoint}/_backup-kit/requests?since=${sinceMs}`);
  if (!response.ok) throw new Error(`the emulator at ${endpoint} has no request log (HTTP ${response.status}): is it the embedded emulator of this checkout?`);
  return ((await response.json()) as RequestRecord[]).sort((a, b) => a.startMs - b.startMs);
}

/** The emulator holds a watcher at most this long (MAX_WAIT_MS in scripts/emulator/launcher.py). */
const MAX_HELD_MS = 30_000;

/**
 * Waits for the embedded emulator to record a successful `operation` on `path` (as the log names them, e.g.
 * CopyObject on /bucket/key) that arrived at or after `sinceMs`, with one held request instead of polling, so
 * that the watching adds no load to what it watches. Returns the first such record.
 */
export async function awaitRequest(endpoint: string, wanted: { readonly operation: string; readonly path: string; readonly sinceMs: number; readonly timeoutMs: number }): Promise<RequestRecord> {
  const deadline = Date.now() + wanted.timeoutMs;
  for (;;) {
    const waitMs = Math.max(0, Math.min(deadline - Date.now(), MAX_HELD_MS));
    const query = new URLSearchParams({ since: String(wanted.sinceMs), operation: wanted.operation, path: wanted.path, succeeded: 'true', waitMs: String(waitMs) });
    const response = await fetch(`${endpoint}/_backup-kit/requests?${query}`);
    if (!response.ok) throw new Error(`the emulator at ${endpoint} cannot be watched (HTTP ${response.status}): is it the embedded emulator of this checkout?`);
    const [found] = (await response.json()) as RequestRecord[];
    if (found) return found;
    if (Date.now() >= deadline) throw new Error(`no successful ${wanted.operation} on ${wanted.path} within ${wanted.timeoutMs} ms`);
  }
}
