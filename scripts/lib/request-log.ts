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
