import { PutObjectCommand } from '@aws-sdk/client-s3';
import { jsonAt } from '../lib/http.js';
import { awaitRequests, emulatorRequests, FUNCTION_AGENT, type RequestRecord } from '../lib/request-log.js';
import { waitFor } from '../lib/wait.js';
import { FLOOR_AGENT, type BenchContext } from './context.js';
import { directBackup, putScratch } from './direct-client.js';
import { notMeasured, type BenchRow } from './report.js';
import { spreadOf } from './stats.js';

const FIGURE = 'S3/SNS round trips before the receipt';
const TARGET = '≤ 3';

/**
 * The longest chain of calls, each sent after the previous one's response had left the emulator, that ends
 * with the Publish of the receipt: the round trips the receipt waited for. Calls that overlapped in time
 * were in flight together and count once.
 */
export function roundTripsUntil(requests: readonly RequestRecord[], last: RequestRecord): number {
  const before = requests.filter((request) => request.endMs <= last.startMs);
  const depth = new Map<RequestRecord, number>();
  for (const request of [...before].sort((a, b) => a.endMs - b.endMs)) {
    const previous = before.filter((other) => other.endMs <= request.startMs).map((other) => depth.get(other) ?? 1);
    depth.set(request, 1 + Math.max(0, ...previous));
  }
  return 1 + Math.max(0, ...before.map((request) => depth.get(request) ?? 1));
}

const describeCalls = (requests: readonly RequestRecord[]) => requests.map((request) => request.operation).join(', ');

/** The calls of one client (its user agent mark) since a moment, as the request log has them. */
async function callsOf(endpoint: string, agent: string, sinceMs: number): Promise<RequestRecord[]> {
  return (await emulatorRequests(endpoint, sinceMs)).filter((request) => request.userAgent.includes(agent));
}

/**
 * Waits until a Publish since a moment is in the log, with a held request, so that the wait adds no load to the
 * calls being counted (a request is logged just after its response left). Any client's Publish ends the wait: in
 * this row only one client publishes at a time. `agent` names whose calls a failure lists.
 */
async function receiptLogged(endpoint: string, agent: string, sinceMs: number, what: string): Promise<void> {
  await awaitRequests(endpoint, { operation: 'Publish', sinceMs, timeoutMs: 5_000 }).catch(async (error: Error) => {
    throw new Error(`${what} is not in the request log (${error.message}); the calls were: ${describeCalls(await callsOf(endpoint, agent, sinceMs)) || 'none'}`);
  });
}

async function idle(endpoint: string): Promise<void> {
  await waitFor(
    'the emulator to finish the function invocation',
    async () => {
      const health = await jsonAt<{ pendingAsyncEvents: number }>(`${endpoint}/_backup-kit/health`);
      return health?.pendingAsyncEvents === 0 ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 10 },
  );
}

/**
 * Whether most uploads kept to the target: the row's verdict. Not the median's, which for an even count is its
 * lower middle and passed uploads half of which went over.
 */
export function mostWithinTarget(roundTrips: readonly number[]): boolean {
  return roundTrips.filter((trips) => trips > 3).length * 2 < roundTrips.length;
}

/**
 * Counts the calls the function made for one upload, and the round trips before its receipt, from the
 * embedded emulator's request log (the function's SDK names its execution environment in its user agent).
 * The floor is the direct client doing HEAD, CopyObject and Publish one after the other.
 */
export async function measureRoundTrips(context: BenchContext): Promise<BenchRow> {
  const { emulator } = context;
  if (!emulator) return notMeasured(FIGURE, TARGET, `${context.target.name} keeps no request log the bench can read (the embedded emulator does)`);
  const events = context.quick ? 8 : 20;
  const { s3 } = context.clients;
  const perEvent: { calls: number; roundTrips: number; sequence: string }[] = [];
  for (let i = 0; i < events; i += 1) {
    const since = Date.now();
    await s3.send(new PutObjectCommand({ Bucket: context.outputs.InboxBucketName, Key: `${context.prefix}round-trips/${i}.txt`, Body: `round trip ${i}` }));
    // The receipt first (held: no load on the calls being counted), then the invocation's end (its last call).
    await receiptLogged(emulator.endpoint, FUNCTION_AGENT, since, `the receipt of upload ${i}`);
    await idle(emulator.endpoint);
    const calls = await callsOf(emulator.endpoint, FUNCTION_AGENT, since);
    const publish = calls.find((request) => request.operation === 'Publish')!;
    perEvent.push({ calls: calls.length, roundTrips: roundTripsUntil(calls, publish), sequence: describeCalls(calls) });
  }

  const floorKey = `${context.prefix}round-trips/floor.txt`;
  await putScratch(context, floorKey, 'round trip floor');
  const since = Date.now();
  await directBackup(context, floorKey);
  await receiptLogged(emulator.endpoint, FLOOR_AGENT, since, "the direct client's Publish");
  const floorCalls = await callsOf(emulator.endpoint, FLOOR_AGENT, since);
  const floorPublish = floorCalls.find((request) => request.operation === 'Publish')!;
  const floor = roundTripsUntil(floorCalls, floorPublish);

  const roundTrips = spreadOf(perEvent.map((event) => event.roundTrips));
  const calls = spreadOf(perEvent.map((event) => event.calls));
  const typical = perEvent.find((event) => event.roundTrips === roundTrips.median) ?? perEvent[0]!;
  // The median of an even count is the lower middle value: say how many uploads went over the target as well.
  const over = perEvent.filter((event) => event.roundTrips > 3).length;
  return {
    figure: FIGURE,
    measured: `${roundTrips.median} of ${calls.median} calls (more than 3 in ${over} of ${events} uploads)`,
    floor: `${floor} (${describeCalls(floorCalls)})`,
    ratio: roundTrips.median / floor,
    target: TARGET,
    withinTarget: mostWithinTarget(perEvent.map((event) => event.roundTrips)),
    noise: `${events} uploads: round trips ${roundTrips.min}–${roundTrips.max}, calls ${calls.min}–${calls.max}; e.g. ${typical.sequence}`,
    data: { perEvent, roundTrips, calls, floorRoundTrips: floor, floorCalls: floorCalls.map((request) => request.operation) },
  };
}
