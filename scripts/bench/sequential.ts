import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { BenchContext } from './context.js';
import { directBackup, directHandlerCalls, putScratch, type DirectTimings } from './direct-client.js';
import { invocationReports, type InvocationReport } from './function-log.js';
import { handlerAloneTimings, WARM_UP_EVENTS } from './handler-alone.js';
import { momentsOf, waitForBackup } from './moments.js';
import { failedMeasurement, type BenchRow } from './report.js';
import { describeSpread, formatNumber, spreadOf, type Spread } from './stats.js';

const UPLOAD_BYTES = 1024;
// How often the stream looks for the backup before the next upload: promptly, without loading the target much.
const POLL_INTERVAL_MS = 5;

/**
 * A breakdown's measurement taken in runs between the stream's parts: after a run fails the others are skipped, and the
 * failure is its result, so that it fails only the breakdown rows that need it, not the stream or the floor.
 */
export function untilFirstFailure() {
  const timings: number[] = [];
  let failure: Error | undefined;
  return {
    async run(measure: () => Promise<number[]>): Promise<void> {
      if (failure) return;
      try {
        timings.push(...(await measure()));
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
    },
    result: (): number[] | Error => failure ?? timings,
  };
}

/**
 * The direct client's HEAD + CopyObject + Publish, n times one after the other, each on a new source version, and
 * after each the handler's calls made by hand on the same source (`afterEach`), for the breakdown.
 */
async function directBackups(context: BenchContext, count: number, first: number, afterEach: (key: string) => Promise<void>): Promise<DirectTimings[]> {
  const floor: DirectTimings[] = [];
  for (let i = first; i < first + count; i += 1) {
    const key = `${context.prefix}sequential/floor-${i}.bin`;
    await putScratch(context, key, Buffer.alloc(UPLOAD_BYTES, i % 256));
    floor.push(await directBackup(context, key));
    await afterEach(key);
  }
  return floor;
}

/** Untimed uploads before the stream where nothing else has started the function. */
const WARM_UPS = 3;

/**
 * How long the spaced uploads wait before each: longer than the function's tail after its copy (the receipt with the
 * second look, 10–20 ms here), so that every upload finds the function idle, as the floor's calls find the target.
 */
const SPACED_PAUSE_MS = 50;

/**
 * Uploads one after the other, each as soon as the previous backup is seen; the latency of each from the
 * emulator's request log where there is one, else as the polling saw it.
 */
async function sequentialUploads(
  context: BenchContext,
  count: number,
  { folder = 'sequential', first = 0, pauseMs = 0 }: { folder?: string; first?: number; pauseMs?: number } = {},
): Promise<{ latencies: number[]; timedBy: string }> {
  const { s3 } = context.clients;
  const { InboxBucketName } = context.outputs;
  const since = Date.now();
  const keys: string[] = [];
  const polled: number[] = [];
  for (let i = first; i < first + count; i += 1) {
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const key = `${context.prefix}${folder}/${i}.bin`;
    const sinceMs = Date.now();
    const put = await s3.send(new PutObjectCommand({ Bucket: InboxBucketName, Key: key, Body: Buffer.alloc(UPLOAD_BYTES, i % 256) }));
    const uploaded = performance.now();
    await waitForBackup(context, { key, versionId: put.VersionId!, write: 'CopyObject', sinceMs }, { pollMs: POLL_INTERVAL_MS, timeoutMs: 60_000 });
    polled.push(performance.now() - uploaded);
    keys.push(key);
  }
  const moments = await momentsOf(context, since, keys);
  if (!moments) return { latencies: polled, timedBy: `HeadObject every ${POLL_INTERVAL_MS} ms` };
  return { latencies: keys.map((key) => moments.backedUp(key) - moments.uploaded(key)), timedBy: "the emulator's request log" };
}

const ms = (value: number) => `${formatNumber(value)} ms`;

const BREAKDOWN_FIGURES = [
  "breakdown: the handler's calls, made directly vs direct client",
  'breakdown: the handler in plain Node vs its calls made directly',
  'breakdown: the handler in plain Node, idle before each event, vs back to back',
  'breakdown: REPORT Duration, the function idle, vs the handler in plain Node idle',
  'breakdown: REPORT Duration in the stream vs with the function idle',
] as const;

/** The handler in plain Node, run in parts (untilFirstFailure), its events back to back or each after a pause. */
function handlerAloneRuns(context: BenchContext, eventsPerRun: number, pauseMs = 0) {
  const runs = untilFirstFailure();
  return {
    run: (label: string) => runs.run(async () => handlerAloneTimings(context, await context.unpackedFunction(), eventsPerRun, label, pauseMs)),
    result: runs.result,
  };
}

/** The timings the handler row's breakdown divides, each a measurement or the failure that stopped it. */
export type BreakdownTimings = {
  /** The handler's calls made by the direct client. */
  readonly handlerCallsMs: number[] | Error;
  /** The handler in plain Node, its events back to back. */
  readonly handlerAloneMs: number[] | Error;
  /** The handler in plain Node, each event SPACED_PAUSE_MS after the previous one ended. */
  readonly handlerAloneIdleMs: number[] | Error;
  /** The REPORT Durations of the spaced uploads, each of which found the function idle. */
  readonly idleDurationMs: number[] | Error;
};

const spreadOrError = (timings: number[] | Error): Spread | Error => (timings instanceof Error ? timings : spreadOf(timings));

/** A breakdown row from two measurements, or the failure of the first of them that failed. */
function ratioRow(figure: string, measured: Spread | Error, floor: Spread | Error, describe: (measured: Spread, floor: Spread) => Omit<BenchRow, 'figure' | 'ratio' | 'target' | 'breakdown'>): BenchRow {
  if (measured instanceof Error) return failedMeasurement(figure, measured);
  if (floor instanceof Error) return failedMeasurement(figure, floor);
  return { figure, ...describe(measured, floor), ratio: measured.median / floor.median, target: '—', breakdown: true };
}

/**
 * The handler row split in five, whose ratios multiply to its own: the calls the handler's guarantees make, sent by
 * the direct client, against the floor's three; the handler's code and its SDK's around the same calls; what a pause
 * before each event costs the handler in plain Node, no runtime involved (its process and the target idle); the
 * runtime's hand-off, from the REPORT Duration of uploads that each found the function idle, against the handler in
 * plain Node paused alike; and what the stream adds to that, where each upload comes while the function still sends
 * the previous receipt. A row whose measurement failed says so; the others are measured all the same.
 */
export function breakdownRows(warm: Spread, directFull: Spread, timings: BreakdownTimings): BenchRow[] {
  const calls = spreadOrError(timings.handlerCallsMs);
  const alone = spreadOrError(timings.handlerAloneMs);
  const aloneIdle = spreadOrError(timings.handlerAloneIdleMs);
  const idle = spreadOrError(timings.idleDurationMs);
  const [callsFigure, codeFigure, pauseFigure, runtimeFigure, streamFigure] = BREAKDOWN_FIGURES;
  return [
    ratioRow(callsFigure, calls, directFull, (calls, floor) => ({
      measured: `${ms(calls.median)} (2 HEADs at once, CopyObject, Publish with a HEAD)`,
      floor: `${ms(floor.median)} (HEAD + CopyObject + Publish)`,
      noise: `the cost of the guarantees' two extra reads, no handler code: ${describeSpread(calls, ' ms')}`,
      data: { handlerCallsMs: calls, floorMs: floor },
    })),
    ratioRow(codeFigure, alone, calls, (alone, calls) => ({
      measured: `${ms(alone.median)} (the zip's handler, no runtime)`,
      floor: `${ms(calls.median)} (its calls made directly)`,
      noise: `its code and its bundled SDK around the same calls: ${describeSpread(alone, ' ms')}, each process after ${WARM_UP_EVENTS} untimed calls`,
      data: { handlerAloneMs: alone, handlerCallsMs: calls },
    })),
    ratioRow(pauseFigure, aloneIdle, alone, (aloneIdle, alone) => ({
      measured: `${ms(aloneIdle.median)} (the zip's handler, no runtime, each event ${SPACED_PAUSE_MS} ms after the last)`,
      floor: `${ms(alone.median)} (the same, back to back)`,
      noise: `what a pause costs with no runtime at all, the handler's process and the target waking for each event: ${describeSpread(aloneIdle, ' ms')}`,
      data: { handlerAloneIdleMs: aloneIdle, handlerAloneMs: alone },
    })),
    ratioRow(runtimeFigure, idle, aloneIdle, (idle, aloneIdle) => ({
      measured: `${ms(idle.median)} (REPORT Duration, each upload ${SPACED_PAUSE_MS} ms after the last backup)`,
      floor: `${ms(aloneIdle.median)} (the handler, no runtime, paused alike)`,
      noise: `the runtime's hand-off both ways, and the handler's own time inside the runtime against plain Node, both idle before each event: ${describeSpread(idle, ' ms')}`,
      data: { idleDurationMs: idle, handlerAloneIdleMs: aloneIdle },
    })),
    ratioRow(streamFigure, warm, idle, (warm, idle) => ({
      measured: `${ms(warm.median)} (REPORT Duration, warm)`,
      floor: `${ms(idle.median)} (REPORT Duration, the function idle)`,
      // The floor's calls run with nothing beside them; the stream's next upload overlaps the function's receipt.
      noise: "each upload in the stream comes while the function still sends the previous receipt, and both share the target's CPU",
      data: { warmDurationMs: warm, idleDurationMs: idle },
    })),
  ];
}

function latencyRow(percentile: 'p50' | 'p95', measured: Spread, floor: Spread, limit: number, timedBy: string): BenchRow {
  const pick = (spread: Spread) => (percentile === 'p50' ? spread.median : spread.p95);
  const ratio = pick(measured) / pick(floor);
  return {
    figure: `upload → backup visible, warm, ${percentile}`,
    measured: ms(pick(measured)),
    floor: `${ms(pick(floor))} (CopyObject + Publish)`,
    ratio,
    target: `≤ ${limit}×`,
    withinTarget: ratio <= limit,
    noise: `uploads ${describeSpread(measured, ' ms')} (timed by ${timedBy}); floor ${describeSpread(floor, ' ms')}`,
    data: { uploadMs: measured, floorMs: floor, timedBy },
  };
}

/** The p50 row's breakdown: the same latency where each upload finds the function idle, not sending the last receipt. */
function idleLatencyRow(idle: Spread, floor: Spread): BenchRow {
  return {
    figure: 'breakdown: p50 with the function idle at each upload',
    measured: ms(idle.median),
    floor: `${ms(floor.median)} (CopyObject + Publish)`,
    ratio: idle.median / floor.median,
    target: '—',
    breakdown: true,
    noise: `uploads each ${SPACED_PAUSE_MS} ms after the previous backup, ${describeSpread(idle, ' ms')}: the p50 row without the wait for the function's tail`,
    data: { idleUploadMs: idle, floorMs: floor },
  };
}

/** How many parts the stream is cut into, with a part of the floor before each and after the last. */
export const STREAM_PARTS = 4;

/**
 * The order of the stream's parts and the floor's: the floor first, then each part of the stream followed by a part
 * of the floor, `count` uploads and `count` direct backups in all. Run in blocks this small, both sides meet the
 * machine's load of the same minute (a review saw a quick run's floor p95 at 47 ms against the pipeline's 18.7, its
 * floor taken in two blocks around the stream while another job loaded the machine).
 */
export function interleavedParts(count: number): { readonly side: 'floor' | 'stream'; readonly first: number; readonly count: number }[] {
  const floorPart = count / (STREAM_PARTS + 1);
  const streamPart = count / STREAM_PARTS;
  return [
    { side: 'floor', first: 0, count: floorPart },
    ...Array.from({ length: STREAM_PARTS }, (_, part) => [
      { side: 'stream' as const, first: part * streamPart, count: streamPart },
      { side: 'floor' as const, first: (part + 1) * floorPart, count: floorPart },
    ]).flat(),
  ];
}

/**
 * Issue 11's sequential figures from one stream of uploads, each made as soon as the previous backup is
 * visible: the latency of each upload against the direct client's CopyObject + Publish, the function's
 * warm duration (its REPORT lines) against the direct client's HEAD + CopyObject + Publish, and the cold
 * starts after the first. The handler's time is broken down with the same handler called outside the
 * runtime (its own calls and code against the floor, back to back and paused before each event) and with uploads
 * spaced so that each finds the function idle (what the runtime adds, and what the stream adds to that); the p50 row
 * with those uploads too. The floor runs in parts between the stream's (interleavedParts), so that a drift in the
 * machine's load is in both.
 */
export async function measureSequential(context: BenchContext): Promise<BenchRow[]> {
  const count = context.quick ? 100 : 500;
  // A failure of the handler in plain Node fails only the breakdown rows.
  const handlerAlone = handlerAloneRuns(context, count / 4);
  await handlerAlone.run('before');
  // Where no request log let the round trips run first (LocalStack), a few untimed uploads start the function: its
  // cold start is not one of the stream's latencies.
  if (!context.emulator) {
    const warmingSince = Date.now();
    await sequentialUploads(context, WARM_UPS, { folder: 'warm-up' });
    // Their invocations end after their copies: their REPORT lines are in before the stream's are counted.
    await reportsSince(context, warmingSince, WARM_UPS);
  }
  // The floor's calls go to a scratch bucket outside the pipeline: the REPORT lines since here are the stream's.
  const since = Date.now();
  const latencies: number[] = [];
  const floorTimings: DirectTimings[] = [];
  // A failure of the handler's calls made by hand fails only the breakdown rows that need them.
  const handlerCalls = untilFirstFailure();
  const handlerCallsOn = (key: string) => handlerCalls.run(async () => [await directHandlerCalls(context, key)]);
  let timedBy = '';
  for (const part of interleavedParts(count)) {
    if (part.side === 'floor') {
      floorTimings.push(...(await directBackups(context, part.count, part.first, handlerCallsOn)));
    } else {
      const stream = await sequentialUploads(context, part.count, { first: part.first });
      latencies.push(...stream.latencies);
      timedBy = stream.timedBy;
    }
  }
  // Read before the spaced uploads, whose REPORT lines follow the stream's.
  const reports = await reportsSince(context, since, count);
  const idle = await spacedUploads(context, count / 4);
  await handlerAlone.run('after');
  const handlerAloneIdle = handlerAloneRuns(context, count / 4, SPACED_PAUSE_MS);
  await handlerAloneIdle.run('idle');
  const breakdown = { handlerCallsMs: handlerCalls.result(), handlerAloneMs: handlerAlone.result(), handlerAloneIdleMs: handlerAloneIdle.result(), idleDurationMs: idle.durationsMs };
  return sequentialRows(context, { count, reports, latencies, timedBy, floorTimings, breakdown, idleLatencies: idle.latencies });
}

/** The stream's figures with the function idle at each upload; its REPORT Durations, or why they are missing. */
type SpacedRun = { readonly latencies: readonly number[]; readonly durationsMs: number[] | Error };

/**
 * Uploads each SPACED_PAUSE_MS after the previous backup was seen, so that each finds the function idle: what the
 * stream's figures are without its overlap, as the floor's calls run with nothing beside them.
 */
async function spacedUploads(context: BenchContext, count: number): Promise<SpacedRun> {
  const since = Date.now();
  const { latencies } = await sequentialUploads(context, count, { folder: 'spaced', pauseMs: SPACED_PAUSE_MS });
  const reports = await reportsSince(context, since, count);
  if (reports.length < count) {
    return { latencies, durationsMs: new Error(`only ${reports.length} of ${count} REPORT lines of the spaced uploads reached the log group ${context.outputs.LogGroupName} within 10 s`) };
  }
  return { latencies, durationsMs: reports.filter((report) => report.initMs === undefined).map((report) => report.durationMs) };
}

/** What one stream measured, with the floors and the handler in plain Node around it. */
type SequentialRun = {
  readonly count: number;
  /** The stream's REPORT lines. */
  readonly reports: readonly InvocationReport[];
  readonly latencies: readonly number[];
  readonly timedBy: string;
  readonly floorTimings: readonly DirectTimings[];
  readonly breakdown: BreakdownTimings;
  /** The latencies of the spaced uploads, each of which found the function idle. */
  readonly idleLatencies: readonly number[];
};

/** The REPORT lines since a moment, once `count` of them reached the log group (the last invocations' come as they end), or after 10 s. */
async function reportsSince(context: BenchContext, since: number, count: number) {
  const { logs } = context.clients;
  let reports = await invocationReports(logs, context.outputs.LogGroupName, since);
  for (let waited = 0; reports.length < count && waited < 10_000; waited += 200) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    reports = await invocationReports(logs, context.outputs.LogGroupName, since);
  }
  return reports;
}

/** The rows of one stream. */
function sequentialRows(context: BenchContext, { count, reports, latencies, timedBy, floorTimings, breakdown, idleLatencies }: SequentialRun): BenchRow[] {
  const coldAfterFirst = reports.slice(1).filter((report) => report.initMs !== undefined).length;
  const warm = spreadOf(reports.filter((report) => report.initMs === undefined).map((report) => report.durationMs));
  const directFull = spreadOf(floorTimings.map((t) => t.headMs + t.copyMs + t.publishMs));
  const handlerRatio = warm.median / directFull.median;

  const uploads = spreadOf(latencies);
  const copyAndPublish = spreadOf(floorTimings.map((t) => t.copyMs + t.publishMs));
  const missing = new Error(`only ${reports.length} of ${count} REPORT lines reached the log group ${context.outputs.LogGroupName} within 10 s of the stream's end`);
  const handlerRows: BenchRow[] =
    warm.n === 0
      ? ['handler time per event vs direct client', ...BREAKDOWN_FIGURES].map((figure) => failedMeasurement(figure, missing))
      : [
          {
            figure: 'handler time per event vs direct client',
            measured: `${ms(warm.median)} (REPORT Duration, warm)`,
            floor: `${ms(directFull.median)} (HEAD + CopyObject + Publish)`,
            ratio: handlerRatio,
            target: '≤ 1.3×',
            withinTarget: handlerRatio <= 1.3,
            noise: `function ${describeSpread(warm, ' ms')}; floor ${describeSpread(directFull, ' ms')}`,
            data: { warmDurationMs: warm, floorMs: directFull },
          },
          ...breakdownRows(warm, directFull, breakdown),
        ];
  const coldStartFigure = 'cold starts after the first, sequential';
  return [
    ...handlerRows,
    latencyRow('p50', uploads, copyAndPublish, 1.5, timedBy),
    idleLatencyRow(spreadOf(idleLatencies), copyAndPublish),
    latencyRow('p95', uploads, copyAndPublish, 2, timedBy),
    reports.length < count
      ? failedMeasurement(coldStartFigure, missing)
      : {
          figure: coldStartFigure,
          measured: `${coldAfterFirst} of ${reports.length} invocations`,
          floor: '0',
          target: '0',
          withinTarget: coldAfterFirst === 0,
          noise: `${count} uploads back to back; ${reports.length} REPORT lines`,
          data: { uploads: count, reports: reports.length, coldStartsAfterFirst: coldAfterFirst, initMs: reports.filter((r) => r.initMs !== undefined).map((r) => r.initMs) },
        },
  ];
}
