import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { BenchContext } from './context.js';
import { directBackup, directHandlerCalls, putScratch, type DirectTimings } from './direct-client.js';
import { invocationReports } from './function-log.js';
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
 * Uploads one after the other, each as soon as the previous backup is seen; the latency of each from the
 * emulator's request log where there is one, else as the polling saw it.
 */
async function sequentialUploads(context: BenchContext, count: number, folder = 'sequential', first = 0): Promise<{ latencies: number[]; timedBy: string }> {
  const { s3 } = context.clients;
  const { InboxBucketName } = context.outputs;
  const since = Date.now();
  const keys: string[] = [];
  const polled: number[] = [];
  for (let i = first; i < first + count; i += 1) {
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
  'breakdown: REPORT Duration vs the handler in plain Node',
] as const;

/** The handler in plain Node, run in parts around the stream (untilFirstFailure). */
function handlerAloneRuns(context: BenchContext, eventsPerRun: number) {
  const runs = untilFirstFailure();
  return {
    run: (label: string) => runs.run(async () => handlerAloneTimings(context, await context.unpackedFunction(), eventsPerRun, label)),
    result: runs.result,
  };
}

/**
 * The handler row split in three, whose ratios multiply to its own: the calls the handler's guarantees make, sent
 * by the direct client, against the floor's three; the handler's code and its SDK's around the same calls; and
 * what running in the stream adds. A row whose measurement failed says so; the others are measured all the same.
 */
export function breakdownRows(warm: Spread, directFull: Spread, handlerCallsMs: number[] | Error, handlerAlone: number[] | Error): BenchRow[] {
  const calls = handlerCallsMs instanceof Error ? handlerCallsMs : spreadOf(handlerCallsMs);
  const alone = handlerAlone instanceof Error ? handlerAlone : spreadOf(handlerAlone);
  const [callsFigure, codeFigure, runtimeFigure] = BREAKDOWN_FIGURES;
  return [
    calls instanceof Error
      ? failedMeasurement(callsFigure, calls)
      : {
          figure: callsFigure,
          measured: `${ms(calls.median)} (2 HEADs at once, CopyObject, Publish with a HEAD)`,
          floor: `${ms(directFull.median)} (HEAD + CopyObject + Publish)`,
          ratio: calls.median / directFull.median,
          target: '—',
          breakdown: true,
          noise: `the cost of the guarantees' two extra reads, no handler code: ${describeSpread(calls, ' ms')}`,
          data: { handlerCallsMs: calls, floorMs: directFull },
        },
    calls instanceof Error || alone instanceof Error
      ? failedMeasurement(codeFigure, calls instanceof Error ? calls : alone)
      : {
          figure: codeFigure,
          measured: `${ms(alone.median)} (the zip's handler, no runtime)`,
          floor: `${ms(calls.median)} (its calls made directly)`,
          ratio: alone.median / calls.median,
          target: '—',
          breakdown: true,
          noise: `its code and its bundled SDK around the same calls: ${describeSpread(alone, ' ms')}, each process after ${WARM_UP_EVENTS} untimed calls`,
          data: { handlerAloneMs: alone, handlerCallsMs: calls },
        },
    alone instanceof Error
      ? failedMeasurement(runtimeFigure, alone)
      : {
          figure: runtimeFigure,
          measured: `${ms(warm.median)} (REPORT Duration, warm)`,
          floor: `${ms(alone.median)} (the handler, no runtime)`,
          ratio: warm.median / alone.median,
          target: '—',
          breakdown: true,
          // Not only the runtime: the stream's next upload overlaps the function's receipt, while the handler in
          // plain Node runs with nothing beside it.
          noise: "the runtime's hand-off both ways, and the stream's next upload arriving during the function's receipt",
          data: { warmDurationMs: warm, handlerAloneMs: alone },
        },
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
 * runtime: its own calls and code against the floor, and what the runtime adds. The floor runs in parts between
 * the stream's (interleavedParts), so that a drift in the machine's load is in both.
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
    await sequentialUploads(context, WARM_UPS, 'warm-up');
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
      const stream = await sequentialUploads(context, part.count, 'sequential', part.first);
      latencies.push(...stream.latencies);
      timedBy = stream.timedBy;
    }
  }
  await handlerAlone.run('after');
  return sequentialRows(context, { count, since, latencies, timedBy, floorTimings, handlerCallsMs: handlerCalls.result(), handlerAlone: handlerAlone.result() });
}

/** What one stream measured, with the floors and the handler in plain Node around it. */
type SequentialRun = {
  readonly count: number;
  /** When the stream began (ms since the epoch): its REPORT lines are those after it. */
  readonly since: number;
  readonly latencies: readonly number[];
  readonly timedBy: string;
  readonly floorTimings: readonly DirectTimings[];
  /** The handler's calls made by the direct client, each after a floor backup, or the failure that stopped them. */
  readonly handlerCallsMs: number[] | Error;
  readonly handlerAlone: number[] | Error;
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
async function sequentialRows(context: BenchContext, { count, since, latencies, timedBy, floorTimings, handlerCallsMs, handlerAlone }: SequentialRun): Promise<BenchRow[]> {
  const reports = await reportsSince(context, since, count);
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
          ...breakdownRows(warm, directFull, handlerCallsMs, handlerAlone),
        ];
  const coldStartFigure = 'cold starts after the first, sequential';
  return [
    ...handlerRows,
    latencyRow('p50', uploads, copyAndPublish, 1.5, timedBy),
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
