import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { awaitRequests } from '../lib/request-log.js';
import { waitFor } from '../lib/wait.js';
import type { BenchContext } from './context.js';
import { directBackup, putScratch } from './direct-client.js';
import { cpuBetween, treeCpuOf, type TreeCpu } from './process-cpu.js';
import { breakdownNotMeasured, type BenchRow } from './report.js';
import { formatNumber } from './stats.js';

const IN_FLIGHT = 32;
const UPLOAD_BYTES = 1024;

async function countBackups(context: BenchContext, prefix: string): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await context.clients.s3.send(new ListObjectsV2Command({ Bucket: context.outputs.BackupBucketName, Prefix: prefix, ContinuationToken: token }));
    count += page.KeyCount ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  return count;
}

/**
 * When the pipeline was done with `count` uploads under a prefix (epoch ms): on the embedded emulator from its
 * request log, waited on with held requests, once every key had its first copy and `count` receipts were sent, as
 * the floor is done once its last Publish is answered; elsewhere when a listing every quarter second first saw
 * every backup (the receipts cannot be seen there).
 */
async function burstEndOf(context: BenchContext, prefix: string, count: number, sinceMs: number): Promise<number> {
  if (context.emulator) {
    const { endpoint } = context.emulator;
    const pathPrefix = `/${context.outputs.BackupBucketName}/${prefix}`;
    const deadline = Date.now() + 600_000;
    const left = () => Math.max(0, deadline - Date.now());
    // A key copied twice (a redelivered event) counts once: wait until every key has a copy.
    for (let atLeast = count; ; ) {
      const copies = await awaitRequests(endpoint, { operation: 'CopyObject', pathPrefix, atLeast, sinceMs, timeoutMs: left() });
      const firstCopyEnds = new Map<string, number>();
      for (const copy of copies) firstCopyEnds.set(copy.path, Math.min(copy.endMs, firstCopyEnds.get(copy.path) ?? Infinity));
      if (firstCopyEnds.size >= count) {
        // Only the function publishes during the burst; the floor's Publishes come after it.
        const receipts = await awaitRequests(endpoint, { operation: 'Publish', atLeast: count, sinceMs, timeoutMs: left() });
        return Math.max(...firstCopyEnds.values(), receipts[count - 1]!.endMs);
      }
      atLeast = copies.length + count - firstCopyEnds.size;
    }
  }
  await waitFor(`${count} backups of the burst`, async () => ((await countBackups(context, prefix)) >= count ? true : undefined), { timeoutMs: 600_000, intervalMs: 250 });
  return Date.now();
}

/**
 * The CPU time (ms) spent during one burst: by the target's server process (the emulator or LocalStack), by the
 * function's Node processes below it, by the other processes below it (the kit's runtime: its lifeline watcher, and on
 * LocalStack one init per execution environment that serves the Node process its Runtime API), by the bench itself.
 */
export type BurstCpu = { readonly serverMs: number; readonly functionMs: number; readonly runtimeMs: number; readonly benchMs: number };

/** The command name of the function's processes, which both emulators start below themselves. */
const FUNCTION_PROCESS = 'node';

/** Runs work and reads the CPU time the server's process tree and the bench's own process spent meanwhile; none without a server the bench knows, or where /proc cannot be read. */
async function withCpu<T>(context: BenchContext, work: () => Promise<T>): Promise<{ readonly value: T; readonly cpu?: BurstCpu }> {
  const pid = context.server?.pid;
  const tree = (): Promise<TreeCpu | undefined> => (pid === undefined ? Promise.resolve(undefined) : treeCpuOf(pid));
  const [treeBefore, benchBefore] = [await tree(), process.cpuUsage()];
  const value = await work();
  const [treeAfter, bench] = [await tree(), process.cpuUsage(benchBefore)];
  if (!treeBefore || !treeAfter) return { value };
  const { rootMs, belowByName } = cpuBetween(treeBefore, treeAfter);
  const belowMs = [...belowByName.values()].reduce((sum, ms) => sum + ms, 0);
  const functionMs = belowByName.get(FUNCTION_PROCESS) ?? 0;
  return { value, cpu: { serverMs: rootMs, functionMs, runtimeMs: belowMs - functionMs, benchMs: (bench.user + bench.system) / 1000 } };
}

/** Uploads `count` objects under a prefix, IN_FLIGHT at a time, and returns when the pipeline was done with them (epoch ms). */
async function uploadBurst(context: BenchContext, prefix: string, count: number): Promise<{ started: number; ended: number }> {
  const limit = pLimit(IN_FLIGHT);
  const started = Date.now();
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit(() => context.clients.s3.send(new PutObjectCommand({ Bucket: context.outputs.InboxBucketName, Key: `${prefix}${i}.bin`, Body: Buffer.alloc(UPLOAD_BYTES, i % 256) }))),
    ),
  );
  return { started, ended: await burstEndOf(context, prefix, count, started) };
}

/**
 * A burst of uploads, 32 in flight, timed until every backup exists and (on embedded) every receipt is sent, against the direct client doing
 * PutObject + CopyObject + Publish for as many objects with as many in flight. (Watching the burst by listing
 * 500 keys every quarter second took a sixth of the embedded emulator's time in a py-spy profile, which the floor's
 * run did not pay.) An untimed burst of IN_FLIGHT uploads goes first, so that the function meets the timed one with
 * as many warm environments as a burst makes it run, as the floor's client is warm: the sequential stream before it
 * kept one busy, and starting the others inside the timed burst (cold starts on the same two cores) took a quick
 * run's ratio from about 0.4 to 0.3. Where the bench knows the target's process, two breakdown rows say where the CPU
 * went (burstCpuRows).
 */
export async function measureBurst(context: BenchContext): Promise<BenchRow[]> {
  const count = context.quick ? 100 : 500;
  const limit = pLimit(IN_FLIGHT);
  const prefix = `${context.prefix}burst/`;

  await uploadBurst(context, `${context.prefix}burst-warm-up/`, IN_FLIGHT);
  const pipeline = await withCpu(context, () => uploadBurst(context, prefix, count));
  const { started: burstStarted, ended: burstEnd } = pipeline.value;
  const burstS = (burstEnd - burstStarted) / 1000;

  const floorRun = await withCpu(context, async () => {
    const floorStarted = performance.now();
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        limit(async () => {
          const key = `${prefix}floor-${i}.bin`;
          // The client knows what it uploaded: Put + Copy + Publish, as the floor says, no read between.
          const versionId = await putScratch(context, key, Buffer.alloc(UPLOAD_BYTES, i % 256));
          await directBackup(context, key, { versionId, bytes: UPLOAD_BYTES });
        }),
      ),
    );
    return (performance.now() - floorStarted) / 1000;
  });
  const floorS = floorRun.value;

  const measured = count / burstS;
  const floor = count / floorS;
  const ratio = measured / floor;
  const burstRow: BenchRow = {
    figure: `burst of ${count}, ${IN_FLIGHT} in flight`,
    measured: `${formatNumber(measured)} objects/s`,
    floor: `${formatNumber(floor)} objects/s (Put + Copy + Publish)`,
    ratio,
    target: '≥ 0.6×',
    withinTarget: ratio >= 0.6,
    noise: `one burst each: ${formatNumber(burstS)} s (timed by ${context.emulator ? "the emulator's request log" : 'a listing every 250 ms'}) and ${formatNumber(floorS)} s`,
    data: { objects: count, inFlight: IN_FLIGHT, burstSeconds: burstS, floorSeconds: floorS },
  };
  return [burstRow, ...burstCpuRows(count, pipeline.cpu, floorRun.cpu, context.server?.name ?? context.target.name)];
}

const CPU_FIGURE = 'breakdown: CPU per object, burst vs floor';
const serverCpuFigure = (server: string) => `breakdown: ${server}'s CPU per object, burst vs floor`;

/**
 * Where the burst's CPU went, per object, read from /proc over each burst: the target's server process (the embedded
 * emulator or a host-mode LocalStack), the function's Node processes and the kit runtime's other processes below it,
 * and the bench's own process (its uploads in the burst; the direct client's calls in the floor). With every core
 * busy, the burst's ratio is about the inverse of the first row's; the server is one Python process, about one core
 * at most. `server` names it ("the emulator", "LocalStack"); without the CPU figures, the target it could not be read on.
 */
export function burstCpuRows(objects: number, pipeline: BurstCpu | undefined, floor: BurstCpu | undefined, server: string): BenchRow[] {
  if (!pipeline || !floor) {
    const why = `read from the process of the embedded emulator or of a host-mode LocalStack the kit started; ${server}'s are not visible to the bench`;
    return [breakdownNotMeasured(CPU_FIGURE, why), breakdownNotMeasured(serverCpuFigure('the server'), why)];
  }
  const ms = (total: number) => `${formatNumber(total / objects)} ms`;
  const noise = `CPU time from /proc (10 ms ticks) over one burst each of ${objects} objects`;
  // The function's and its runtime's processes are not the floor's: its burst triggers none, and what they do meanwhile is left out.
  const pipelineMs = pipeline.serverMs + pipeline.functionMs + pipeline.runtimeMs + pipeline.benchMs;
  const floorMs = floor.serverMs + floor.benchMs;
  return [
    {
      figure: CPU_FIGURE,
      measured: `${ms(pipelineMs)} (${server} ${ms(pipeline.serverMs)}, the function ${ms(pipeline.functionMs)}, the runtime's other processes ${ms(pipeline.runtimeMs)}, the uploads ${ms(pipeline.benchMs)})`,
      floor: `${ms(floorMs)} (${server} ${ms(floor.serverMs)}, the direct client ${ms(floor.benchMs)})`,
      ratio: pipelineMs / floorMs,
      target: '—',
      breakdown: true,
      noise,
      data: { objects, server, pipeline, floor: { serverMs: floor.serverMs, benchMs: floor.benchMs } },
    },
    {
      figure: serverCpuFigure(server),
      measured: ms(pipeline.serverMs),
      floor: ms(floor.serverMs),
      ratio: pipeline.serverMs / floor.serverMs,
      target: '—',
      breakdown: true,
      noise: `${noise}; one Python process, about one core at most`,
      data: { objects, server, pipelineMs: pipeline.serverMs, floorMs: floor.serverMs },
    },
  ];
}
