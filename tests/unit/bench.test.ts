import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BenchContext } from '../../scripts/bench/context.js';
import { coldInitInstructionsRow, coldInitRows } from '../../scripts/bench/cold-init.js';
import { collectedInstructions, countInstructions, valgrindVersion } from '../../scripts/bench/instruction-count.js';
import { floorNodeProblem, functionNodeVersion } from '../../scripts/bench/floor-node.js';
import { runMeasurements, type Measurement } from '../../scripts/bench/measurement-run.js';
import { burstCpuRows, measureBurst } from '../../scripts/bench/burst.js';
import { cpuBetween, treeCpuOf } from '../../scripts/bench/process-cpu.js';
import { invocationReports } from '../../scripts/bench/function-log.js';
import { measureLargeObject } from '../../scripts/bench/large-object.js';
import { breakdownRows, interleavedParts, untilFirstFailure, STREAM_PARTS } from '../../scripts/bench/sequential.js';
import { formatTable, notMeasured, type BenchRow } from '../../scripts/bench/report.js';
import { mostWithinTarget, roundTripsUntil } from '../../scripts/bench/round-trips.js';
import { removeOrphanedScratch, scratchDir } from '../../scripts/bench/scratch-dirs.js';
import { percentile, spreadOf } from '../../scripts/bench/stats.js';
import type { RequestRecord } from '../../scripts/lib/request-log.js';
import { WaitTimeout } from '../../scripts/lib/wait.js';
import { bundleForLambda, bundleHandler } from '../../scripts/lib/artefact.js';
import { functionNodeFor } from '../../scripts/lib/function-node.js';
import { handlerDir, projectRoot } from '../../scripts/lib/paths.js';

/** A request the emulator recorded, from its arrival to the moment its response left (ms). */
const call = (operation: string, startMs: number, endMs: number): RequestRecord => ({
  operation,
  startMs,
  endMs,
  service: operation === 'Publish' ? 'sns' : 's3',
  method: 'HEAD',
  path: '/bucket/key',
  status: 200,
  remotePort: '1',
  userAgent: 'exec-env/AWS_Lambda_nodejs22.x',
});

describe("the round-trip row's verdict", () => {
  it('is within the target only when most uploads kept to 3: half of eight over is not, though the lower middle is 3', () => {
    // Act
    const verdicts = [mostWithinTarget([3, 3, 3, 3, 4, 4, 4, 4]), mostWithinTarget([3, 3, 3, 3, 3, 4, 4, 4]), mostWithinTarget([3])];
    // Assess
    expect(verdicts).toEqual([false, true, true]);
  });
});

describe('round trips before the receipt', () => {
  it('counts every call of a strictly sequential handler', () => {
    // Prepare
    const calls = ['HeadObject', 'HeadObject', 'CopyObject', 'HeadObject', 'HeadObject', 'Publish'].map((op, i) => call(op, i * 10, i * 10 + 5));
    // Act
    const roundTrips = roundTripsUntil(calls, calls.at(-1)!);
    // Assess
    expect(roundTrips).toBe(6);
  });

  it('counts calls that were in flight together once, and ignores calls made alongside the receipt', () => {
    // Prepare: two reads in parallel, the copy, then the receipt while two checks run
    const calls = [
      call('HeadObject', 0, 5),
      call('HeadObject', 1, 4),
      call('CopyObject', 6, 12),
      call('Publish', 13, 18),
      call('HeadObject', 13, 16),
      call('HeadObject', 14, 17),
    ];
    // Act
    const roundTrips = roundTripsUntil(calls, calls[3]!);
    // Assess
    expect(roundTrips).toBe(3);
  });

  it('treats a call that arrived exactly as the previous response left as sequential', () => {
    // Prepare
    const calls = [call('HeadObject', 0, 5), call('CopyObject', 5, 9), call('Publish', 9, 12)];
    // Act
    const roundTrips = roundTripsUntil(calls, calls[2]!);
    // Assess
    expect(roundTrips).toBe(3);
  });
});

describe("the function's REPORT lines", () => {
  const logs = mockClient(CloudWatchLogsClient);
  beforeEach(() => logs.reset());

  it('reads the duration of each invocation and the init duration of cold starts, oldest first', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        { timestamp: 3, message: 'REPORT RequestId: b\tDuration: 31.61 ms\tBilled Duration: 32 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB' },
        { timestamp: 1, message: 'START RequestId: a Version: $LATEST' },
        { timestamp: 2, message: 'REPORT RequestId: a\tDuration: 517.07 ms\tBilled Duration: 518 ms\tMemory Size: 512 MB\tMax Memory Used: 88 MB\tInit Duration: 239.41 ms' },
        { timestamp: 2, message: '{"level":"INFO","message":"backup decision"}' },
      ],
    });
    // Act
    const reports = await invocationReports(new CloudWatchLogsClient({ region: 'us-east-1' }), 'group', 0);
    // Assess
    expect(reports).toEqual([
      { timestamp: 2, durationMs: 517.07, initMs: 239.41 },
      { timestamp: 3, durationMs: 31.61 },
    ]);
  });
});

describe('statistics and the table', () => {
  it('takes nearest-rank percentiles', () => {
    // Prepare
    const values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    // Act
    const spread = spreadOf(values);
    // Assess
    expect([spread.min, spread.p25, spread.median, spread.p75, spread.p95, spread.max]).toEqual([1, 3, 5, 8, 10, 10]);
    expect(percentile([], 50)).toBeNaN();
  });

  it('prints a row per figure with its verdict, and the reasons of unmeasured rows below', () => {
    // Prepare
    const rows: BenchRow[] = [
      { figure: 'zip size', measured: '180.0 KiB', floor: '200 KiB (budget)', ratio: 0.9, target: '≤ 1×', withinTarget: true, noise: 'exact' },
      { figure: 'burst', measured: '10 objects/s', floor: '50 objects/s', ratio: 0.2, target: '≥ 0.6×', withinTarget: false, noise: 'one burst' },
      notMeasured('round trips', '≤ 3', 'localstack keeps no request log'),
    ];
    // Act
    const lines = formatTable(rows).split('\n');
    // Assess
    expect(lines[0]).toMatch(/^figure\s+measured\s+floor\s+ratio\s+target\s+within\s+noise$/);
    expect(lines[2]).toMatch(/^zip size\s+180\.0 KiB\s+200 KiB \(budget\)\s+0\.90×\s+≤ 1×\s+yes\s+exact$/);
    expect(lines[3]).toMatch(/\s0\.20×\s+≥ 0\.6×\s+NO\s/);
    expect(lines[4]).toMatch(/^round trips\s+—\s+—\s+—\s+≤ 3\s+not measured\s+—$/);
    expect(lines.slice(-2)).toEqual(['not measured:', '  round trips: localstack keeps no request log']);
  });

  it.each([
    [1.304, '≤ 1.3×', false, '1.304×'],
    [0.5996, '≥ 0.6×', false, '0.5996×'],
    [1.296, '≤ 1.3×', true, '1.296×'],
    [1.3, '≤ 1.3×', true, '1.30×'],
    [1.71, '≤ 1.3×', false, '1.71×'],
  ])('prints the ratio %s against %s with as many digits as its verdict needs', (ratio, target, withinTarget, cell) => {
    // Prepare
    const rows: BenchRow[] = [{ figure: 'handler time', measured: '30 ms', floor: '15 ms', ratio, target, withinTarget, noise: 'n=100' }];
    // Act
    const lines = formatTable(rows).split('\n');
    // Assess
    expect(lines[2]).toMatch(new RegExp(`\\s${cell.replace('.', '\\.')}\\s+${target.replace('.', '\\.')}\\s`));
  });

  it('prints a breakdown of another row with its ratio and no verdict of its own', () => {
    // Prepare
    const rows: BenchRow[] = [
      { figure: 'handler time', measured: '30 ms', floor: '15 ms', ratio: 2, target: '≤ 1.3×', withinTarget: false, noise: 'n=100' },
      { figure: 'breakdown: runtime', measured: '30 ms', floor: '20 ms', ratio: 1.5, target: '—', breakdown: true, noise: 'n=50' },
    ];
    // Act
    const lines = formatTable(rows).split('\n');
    // Assess
    expect(lines[3]).toMatch(/^  breakdown: runtime\s+30 ms\s+20 ms\s+1\.50×\s+—\s+—\s+n=50$/);
    expect(lines).not.toContain('not measured:');
  });
});

describe("the cold init's breakdown", () => {
  /** The SDK commands a source file imports or re-exports as values (`type` imports bring no code into the bundle). */
  const sdkCommandsIn = (source: string) =>
    [...source.matchAll(/(?:import|export)\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-(?:s3|sns)'/g)].flatMap((match) =>
      match[1]!
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name.endsWith('Command') && !name.startsWith('type ')),
    );

  it("bundles the SDK's clients with every command the handler sends, so that the SDK's share is the zip's", async () => {
    // Prepare
    const files = (await readdir(handlerDir)).filter((name) => name.endsWith('.ts'));
    const sources = await Promise.all(files.map((name) => readFile(join(handlerDir, name), 'utf8')));
    const handlerCommands = new Set(sources.flatMap(sdkCommandsIn));
    // Act
    const entry = await readFile(join(projectRoot, 'scripts', 'bench', 'sdk-clients-entry.ts'), 'utf8');
    const exported = sdkCommandsIn(entry);
    // Assess
    expect(handlerCommands.size).toBeGreaterThan(5);
    expect(new Set(exported)).toEqual(handlerCommands);
  });

  it("holds the SDK's clients and none of the handler's own code", async () => {
    // Prepare
    const entry = join(projectRoot, 'scripts', 'bench', 'sdk-clients-entry.ts');
    // Act
    const [sdkAlone, handler] = await Promise.all([bundleForLambda(entry), bundleHandler()]);
    // Assess
    const code = sdkAlone.toString('utf8');
    expect(code).toContain('HeadObject');
    expect(code).toContain('forcePathStyle');
    expect(code).not.toContain('backup decision');
    expect(sdkAlone.length).toBeLessThan(handler.length);
  });

  it("splits the handler's ratio to bare Node into the SDK's and the handler's own, with a verdict on the whole only", () => {
    // Prepare
    const spread = (median: number) => spreadOf([median - 1, median, median + 1]);
    // Act
    const [whole, sdkShare, handlerShare] = coldInitRows(spread(120), spread(100), spread(40), 'v22.20.0');
    // Assess
    expect(whole).toMatchObject({ ratio: 3, withinTarget: false, target: '≤ 1.8×' });
    expect(sdkShare).toMatchObject({ ratio: 2.5, breakdown: true, floor: '40.0 ms (node -e 0)' });
    expect(handlerShare).toMatchObject({ ratio: 1.2, breakdown: true, floor: "100 ms (the SDK's clients alone)" });
    expect(sdkShare!.withinTarget).toBeUndefined();
    expect(handlerShare!.withinTarget).toBeUndefined();
  });
});

describe("the cold init counted in instructions", () => {
  it('gives the ratio of the instructions the load ran to those of bare Node, as a breakdown with no verdict', () => {
    // Act
    const row = coldInitInstructionsRow(252_400_000, 78_900_000, 'valgrind-3.19.0');
    // Assess
    expect(row).toMatchObject({ measured: "252.4 M instructions (the zip's index.cjs)", floor: '78.9 M (node -e 0)', breakdown: true, target: '—' });
    expect(row.ratio).toBeCloseTo(252.4 / 78.9, 10);
    expect(row.withinTarget).toBeUndefined();
    expect(row.noise).toContain("valgrind-3.19.0's callgrind");
  });

  it("reads callgrind's total, and says what it printed instead when there is none", () => {
    // Prepare
    const printed = ['==4242== Events    : Ir', '==4242== Collected : 252356006', '==4242==', '==4242== I   refs:      252,356,006'].join('\n');
    // Act
    const total = collectedInstructions(printed);
    const missing = () => collectedInstructions('valgrind: failed to start tool \'callgrind\'\n');
    // Assess
    expect(total).toBe(252_356_006);
    expect(missing).toThrow("callgrind printed no instruction total: valgrind: failed to start tool 'callgrind'");
  });

  const valgrind = valgrindVersion();
  if (!valgrind) console.warn("SKIP counting a real process's instructions: valgrind is not installed (apt-get install valgrind)");
  it.skipIf(!valgrind)("counts the instructions the function's Node runs: alike for the same command, more for more work", async () => {
    // Prepare: the Node the bench counts (the machine's Node 20, which runs the tests, varied by up to 16% under callgrind here)
    const node = functionNodeFor('nodejs22.x');
    const env = { PATH: process.env.PATH };
    // Act
    const [bare, again, loop] = [
      await countInstructions(node, ['-e', '0'], env),
      await countInstructions(node, ['-e', '0'], env),
      await countInstructions(node, ['-e', 'let sum = 0; for (let i = 0; i < 1e6; i += 1) sum += i % 7;'], env),
    ];
    // Assess
    expect(bare).toBeGreaterThan(10_000_000);
    expect(Math.abs(again - bare) / bare).toBeLessThan(0.01);
    expect(loop - Math.max(bare, again)).toBeGreaterThan(1e6);
  }, 120_000);

  it.skipIf(!valgrind)("names the command and its exit when it fails under callgrind", async () => {
    // Act
    const counted = countInstructions(functionNodeFor('nodejs22.x'), ['-e', 'process.exit(3)'], { PATH: process.env.PATH });
    // Assess
    await expect(counted).rejects.toThrow(/-e process\.exit\(3\) under callgrind exited with 3: /);
  }, 120_000);
});

describe("the handler row's breakdown", () => {
  const spread = (median: number) => spreadOf([median - 1, median, median + 1]);
  const measured = { handlerCallsMs: [19, 20, 21], handlerAloneMs: [23, 24, 25], handlerAloneIdleMs: [25, 26, 27], idleDurationMs: [26, 27, 28] };

  it("splits the handler's ratio into its calls, its code, a pause, the runtime's hand-off and the stream, whose ratios multiply to the handler row's", () => {
    // Act
    const rows = breakdownRows(spread(30), spread(15), measured);
    // Assess
    expect(rows.map((row) => row.ratio!.toFixed(3))).toEqual([20 / 15, 24 / 20, 26 / 24, 27 / 26, 30 / 27].map((ratio) => ratio.toFixed(3)));
    expect(rows.reduce((product, row) => product * row.ratio!, 1)).toBeCloseTo(30 / 15, 10);
    expect(rows.every((row) => row.breakdown && row.withinTarget === undefined)).toBe(true);
  });

  it("sets the runtime's hand-off against the handler in plain Node paused as the spaced uploads are, not back to back", () => {
    // Act
    const runtime = breakdownRows(spread(30), spread(15), measured)[3];
    // Assess
    expect(runtime).toMatchObject({ figure: 'breakdown: REPORT Duration, the function idle, vs the handler in plain Node idle', ratio: 27 / 26 });
    expect(runtime!.floor).toContain('26.0 ms');
  });

  it('keeps the calls made directly when the handler in plain Node failed, and fails the two rows that need it', () => {
    // Prepare
    const failure = new Error('the handler in plain Node failed (exit 1)');
    // Act
    const rows = breakdownRows(spread(30), spread(15), { ...measured, handlerAloneMs: failure });
    // Assess
    expect(rows[0]).toMatchObject({ ratio: 20 / 15, breakdown: true });
    expect(rows.map((row) => row.failed ?? false)).toEqual([false, true, true, false, false]);
    expect(rows[1]!.notMeasured).toContain('exit 1');
    expect(rows[2]!.notMeasured).toContain('exit 1');
    expect(rows[3]).toMatchObject({ ratio: 27 / 26, breakdown: true });
  });

  it("fails the pause's and the runtime's rows when the paused handler in plain Node failed, and keeps the others", () => {
    // Prepare
    const failure = new Error('the handler in plain Node did not copy every object');
    // Act
    const rows = breakdownRows(spread(30), spread(15), { ...measured, handlerAloneIdleMs: failure });
    // Assess
    expect(rows.map((row) => row.failed ?? false)).toEqual([false, false, true, true, false]);
    expect(rows[3]!.notMeasured).toContain('did not copy every object');
    expect(rows[4]).toMatchObject({ ratio: 30 / 27, breakdown: true });
  });

  it("fails the runtime's and the stream's rows when the spaced uploads' REPORT lines are missing, and keeps the others", () => {
    // Prepare
    const missing = new Error('only 20 of 25 REPORT lines of the spaced uploads reached the log group');
    // Act
    const rows = breakdownRows(spread(30), spread(15), { ...measured, idleDurationMs: missing });
    // Assess
    expect(rows.map((row) => row.failed ?? false)).toEqual([false, false, false, true, true]);
    expect(rows[3]!.notMeasured).toContain('only 20 of 25');
    expect(rows[2]).toMatchObject({ ratio: 26 / 24, breakdown: true });
  });
});

describe("the handler's calls made directly, a breakdown measured in runs", () => {
  const spread = (median: number) => spreadOf([median - 1, median, median + 1]);

  it("fail only the two breakdown rows that need them, and the runtime's and the stream's rows are still measured", () => {
    // Prepare
    const failure = new Error("the direct client's source s3://kit-bench-floor/x.bin is gone");
    // Act
    const rows = breakdownRows(spread(30), spread(15), { handlerCallsMs: failure, handlerAloneMs: [23, 24, 25], handlerAloneIdleMs: [25, 26, 27], idleDurationMs: [26, 27, 28] });
    // Assess
    expect(rows.map((row) => row.failed ?? false)).toEqual([true, true, false, false, false]);
    expect(rows[0]!.notMeasured).toContain('is gone');
    expect(rows[2]).toMatchObject({ ratio: 26 / 24, breakdown: true });
  });

  it('stop after the first failure, which is their result, while the floor goes on', async () => {
    // Prepare
    let calls = 0;
    const runs = untilFirstFailure();
    const makeCalls = async () => {
      calls += 1;
      if (calls === 2) throw new Error('SNS answered 500');
      return [10 + calls];
    };
    // Act
    for (let i = 0; i < 4; i += 1) await runs.run(makeCalls);
    // Assess
    expect(calls).toBe(2);
    expect(runs.result()).toBeInstanceOf(Error);
    expect((runs.result() as Error).message).toBe('SNS answered 500');
  });

  it('are their timings when none failed', async () => {
    // Prepare
    const runs = untilFirstFailure();
    // Act
    await runs.run(async () => [12]);
    await runs.run(async () => [12]);
    // Assess
    expect(runs.result()).toEqual([12, 12]);
  });
});

describe("the floors' Node", () => {
  it('is refused when the bench runs on another Node than the function, naming both and what to run', () => {
    // Act
    const problem = floorNodeProblem('v20.20.2', 'v22.20.0', 'nodejs22.x');
    // Assess
    expect(problem).toBe(
      "the bench runs its floors in its own process, on Node v20.20.2, and the function runs on Node v22.20.0 (nodejs22.x): run the bench on the function's Node, as `make bench` does, so that both sides run on the same Node",
    );
  });

  it('is taken when both run on the same Node', () => {
    // Act
    const problem = floorNodeProblem('v22.20.0', 'v22.20.0', 'nodejs22.x');
    // Assess
    expect(problem).toBeUndefined();
  });
});

describe('make bench', () => {
  it("runs the bench on the Node of the function's runtime, so that the floors run on it too", async () => {
    // Prepare
    const { version } = await functionNodeVersion();
    // Act
    const dryRun = spawnSync('make', ['--dry-run', '--no-print-directory', 'bench'], { encoding: 'utf8' });
    const node = dryRun.stdout.trim().split(/\s+/)[0]!;
    // Assess
    expect(dryRun.status).toBe(0);
    expect(spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()).toBe(version);
  });
});

describe('the measurements of a run', () => {
  const context = {} as BenchContext;
  const row = (figure: string): BenchRow => ({ figure, measured: '1 ms', floor: '1 ms', ratio: 1, target: '≤ 2×', withinTarget: true, noise: 'n=1' });

  it('skips those that wait for the pipeline once one waited in vain for a backup, and runs the others', async () => {
    // Prepare
    const ran: string[] = [];
    const measurement = (figures: string, throughPipeline: boolean, outcome: () => Promise<BenchRow>): Measurement => ({
      figures,
      throughPipeline,
      measure: () => {
        ran.push(figures);
        return outcome();
      },
    });
    const measurements = [
      measurement('zip size', false, async () => row('zip size')),
      measurement('sequential uploads', true, () => Promise.reject(new WaitTimeout('no backup of bench/0.bin within 60000 ms'))),
      measurement('cold init', false, async () => row('cold init')),
      measurement('burst', true, async () => row('burst')),
    ];
    // Act
    const rows = await runMeasurements(measurements, context, { log: () => undefined, stopped: () => false });
    // Assess
    expect(ran).toEqual(['zip size', 'sequential uploads', 'cold init']);
    expect(rows.map((r) => [r.figure, r.failed ?? false])).toEqual([
      ['zip size', false],
      ['sequential uploads', true],
      ['cold init', false],
      ['burst', true],
    ]);
    expect(rows[3]?.notMeasured).toBe('failed: not run: the sequential uploads waited in vain for a backup (no backup of bench/0.bin within 60000 ms)');
  });

  it('does not say it measured the one a Ctrl-C abandoned, and starts no other', async () => {
    // Prepare: the Ctrl-C comes during the second
    let stopped = false;
    const said: string[] = [];
    const measurements: Measurement[] = [
      { figures: 'zip size', throughPipeline: false, measure: async () => row('zip size') },
      { figures: 'cold init', throughPipeline: false, measure: async () => ((stopped = true), row('cold init')) },
      { figures: 'burst', throughPipeline: true, measure: async () => row('burst') },
    ];
    // Act
    await runMeasurements(measurements, context, { log: (line) => said.push(line), stopped: () => stopped });
    // Assess
    expect(said).toEqual([expect.stringMatching(/^measured zip size in \d+\.\d s$/)]);
  });

  it('runs every one after a failure that is not a missing backup', async () => {
    // Prepare
    const ran: string[] = [];
    const measurements: Measurement[] = [
      { figures: 'round trips', throughPipeline: true, measure: () => (ran.push('round trips'), Promise.reject(new Error('0 of 1 successful Publish'))) },
      { figures: 'burst', throughPipeline: true, measure: async () => (ran.push('burst'), row('burst')) },
    ];
    // Act
    const rows = await runMeasurements(measurements, context, { log: () => undefined, stopped: () => false });
    // Assess
    expect(ran).toEqual(['round trips', 'burst']);
    expect(rows.map((r) => r.failed ?? false)).toEqual([true, false]);
  });
});

describe("the bench's temporary folders", () => {
  it("are named after the run's host and process, and this host's whose process is gone are removed, whatever they hold", async () => {
    // Prepare: a folder of this run, one of a bench killed outright, one of a bench on another host, and one that is no bench's
    const base = await mkdtemp(join(tmpdir(), 'backup-kit-scratch-test-'));
    try {
      const mine = await scratchDir('emulator', base);
      const host = basename(mine).slice(0, basename(mine).indexOf(`_${process.pid}-`));
      const killed = join(base, `${host}_4194000-code-x1`);
      // Another host's, whose name begins with this host's: its pid must not be read from what follows this host's name
      const longerHost = `${host}-4194000_777-code-x2`;
      await mkdir(join(base, longerHost));
      await mkdir(join(killed, 'nested'), { recursive: true });
      await writeFile(join(killed, 'nested', 'index.cjs'), 'left behind');
      await mkdir(join(base, 'someone-else'));
      // Act
      const removed = await removeOrphanedScratch(base, (pid) => pid === process.pid);
      // Assess
      expect(removed).toEqual([basename(killed)]);
      expect((await readdir(base)).sort()).toEqual([basename(mine), longerHost, 'someone-else'].sort());
      expect(basename(mine)).toMatch(new RegExp(`^backup-kit-bench-${hostname().replace(/[^A-Za-z0-9.-]/g, '-')}_${process.pid}-emulator-`));
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  const asRoot = process.getuid?.() === 0;
  if (!asRoot) console.warn("SKIP the bench's temporary folders of another user: only root can make a folder another user owns");
  it.skipIf(!asRoot)("leaves another user's folder alone, though its bench is gone", async () => {
    // Prepare: a gone bench's folder of this host, owned by nobody
    const base = await mkdtemp(join(tmpdir(), 'backup-kit-scratch-test-'));
    try {
      const mine = await scratchDir('code', base);
      const theirs = basename(mine).replace(`_${process.pid}-`, '_4194001-');
      await mkdir(join(base, theirs));
      await chown(join(base, theirs), 65534, 65534);
      // Act
      const removed = await removeOrphanedScratch(base, (pid) => pid === process.pid);
      // Assess
      expect(removed).toEqual([]);
      expect((await readdir(base)).sort()).toEqual([basename(mine), theirs].sort());
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe('the large object', () => {
  afterEach(() => vi.restoreAllMocks());

  it("stops sampling the emulator's memory when the wait for its backup fails, so that the bench can still exit", async () => {
    // Prepare: the upload succeeds, and the emulator is gone (its port refuses), so the wait for the backup fails
    const s3 = mockClient(S3Client);
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    s3.on(UploadPartCommand).resolves({ ETag: '"part"' });
    s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'version-1' });
    const closed = createServer();
    const port = await new Promise<number>((resolve) => closed.listen(0, '127.0.0.1', () => resolve((closed.address() as { port: number }).port)));
    await new Promise((resolve) => closed.close(resolve));
    const clients = { s3: new S3Client({ region: 'us-east-1' }) } as unknown as BenchContext['clients'];
    const context = {
      clients,
      floor: clients,
      outputs: { InboxBucketName: 'inbox', BackupBucketName: 'backup' },
      prefix: 'bench/',
      emulator: { endpoint: `http://127.0.0.1:${port}` },
      server: { pid: process.pid, name: 'the emulator', title: 'emulator' },
      quick: true,
    } as unknown as BenchContext;
    const started = vi.spyOn(globalThis, 'setInterval');
    const cleared = vi.spyOn(globalThis, 'clearInterval');
    // Act
    const measuring = measureLargeObject(context);
    // Assess: the measurement fails, and every timer it started is stopped (one left running keeps the bench from exiting)
    await expect(measuring).rejects.toThrow();
    const timers = started.mock.results.map((result) => result.value as unknown);
    expect(timers.length).toBeGreaterThan(0);
    expect(cleared.mock.calls.map(([timer]) => timer as unknown)).toEqual(expect.arrayContaining(timers));
    s3.restore();
  });
});

describe('the burst', () => {
  it('is timed only once an untimed burst of as many uploads as are in flight has been backed up, so that it meets warm environments', async () => {
    // Prepare: a target without a request log, where the bench lists the backups
    const s3 = mockClient(S3Client);
    const sns = mockClient(SNSClient);
    s3.on(PutObjectCommand).resolves({ VersionId: 'version-1' });
    s3.on(CopyObjectCommand).resolves({ VersionId: 'backup-1' });
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 1000 });
    sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
    const clients = { s3: new S3Client({ region: 'us-east-1' }), sns: new SNSClient({ region: 'us-east-1' }) } as unknown as BenchContext['clients'];
    const context = {
      clients,
      floor: clients,
      outputs: { InboxBucketName: 'inbox', BackupBucketName: 'backup', ReceiptTopicArn: 'arn:aws:sns:us-east-1:000000000000:receipts' },
      scratchBucket: 'scratch',
      prefix: 'bench/',
      quick: true,
      target: { name: 'localstack' },
    } as unknown as BenchContext;
    // Act
    const [row, ...breakdown] = await measureBurst(context);
    // Assess: 32 uploads under their own prefix, their backups seen, then the 100 timed ones
    const calls = s3.calls().map((call) => call.args[0].input as { Bucket?: string; Key?: string; Prefix?: string });
    const inbox = calls.filter((input) => input.Bucket === 'inbox').map((input) => input.Key!);
    const firstTimed = calls.findIndex((input) => input.Bucket === 'inbox' && input.Key!.startsWith('bench/burst/'));
    const warmUpListed = calls.findIndex((input) => input.Prefix === 'bench/burst-warm-up/');
    expect(inbox.filter((key) => key.startsWith('bench/burst-warm-up/'))).toHaveLength(32);
    expect(inbox.filter((key) => key.startsWith('bench/burst/'))).toHaveLength(100);
    expect(warmUpListed).toBeGreaterThanOrEqual(0);
    expect(warmUpListed).toBeLessThan(firstTimed);
    expect(row!.failed).toBeUndefined();
    const why = "read from the process of the embedded emulator or of a host-mode LocalStack the kit started; localstack's are not visible to the bench";
    expect(breakdown.map((line) => [line.figure, line.breakdown, line.notMeasured])).toEqual([
      ['breakdown: CPU per object, burst vs floor', true, why],
      ["breakdown: the server's CPU per object, burst vs floor", true, why],
    ]);
    s3.restore();
    sns.restore();
  });

  it("splits the CPU per object between the target's server and the processes that call it, each against the floor's", () => {
    // Prepare: 100 objects; the burst: LocalStack 1.4 s, the function's processes 1.3 s, its runtime's others 0.2 s, the uploads 0.2 s; the floor: 0.65 s and 0.5 s
    const pipeline = { serverMs: 1_400, functionMs: 1_300, runtimeMs: 200, benchMs: 200 };
    const floor = { serverMs: 650, functionMs: 40, runtimeMs: 10, benchMs: 500 };
    // Act
    const [all, server] = burstCpuRows(100, pipeline, floor, 'LocalStack');
    // Assess: per object, and the function's and its runtime's processes during the floor (which triggers none) are not the floor's
    expect([all!.measured, all!.floor, all!.ratio!.toFixed(2), all!.breakdown]).toEqual([
      "31.0 ms (LocalStack 14.0 ms, the function 13.0 ms, the runtime's other processes 2.00 ms, the uploads 2.00 ms)",
      '11.5 ms (LocalStack 6.50 ms, the direct client 5.00 ms)',
      '2.70',
      true,
    ]);
    expect([server!.figure, server!.measured, server!.floor, server!.ratio!.toFixed(2), server!.breakdown]).toEqual([
      "breakdown: LocalStack's CPU per object, burst vs floor",
      '14.0 ms',
      '6.50 ms',
      '2.15',
      true,
    ]);
  });
});

describe("a process tree's CPU time", () => {
  it('counts what the processes below the root used by command name, those started in between in full, and not those that ended', () => {
    // Prepare: a process below the root that ran on, one that ended, one that started, and a pid reused by another process
    const cpu = (name: string, cpuMs: number) => ({ name, cpuMs });
    const before = { rootMs: 1_000, below: new Map([['11@5', cpu('node', 300)], ['12@5', cpu('node', 900)], ['13@5', cpu('python3', 50)]]) };
    const after = { rootMs: 1_250, below: new Map([['11@5', cpu('node', 420)], ['13@9', cpu('node', 30)], ['14@9', cpu('python3', 70)]]) };
    // Act
    const spent = cpuBetween(before, after);
    // Assess: node 120 + 30, python3 70, the root 250
    expect(spent).toEqual({ rootMs: 250, belowByName: new Map([['node', 150], ['python3', 70]]) });
  });

  it('reads the CPU the processes below the root are using while they run, grandchildren included', async () => {
    // Prepare: a child of this process that starts a grandchild spinning for 300 ms of CPU, both then waiting to be ended
    const spin = 'const end = process.hrtime.bigint() + 300_000_000n; while (process.hrtime.bigint() < end); console.log("spun"); setInterval(() => {}, 1000);';
    const startsSpinner = `const { spawn } = require('node:child_process'); spawn(process.execPath, ['-e', ${JSON.stringify(spin)}], { stdio: 'inherit' }); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', startsSpinner], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    try {
      const before = await treeCpuOf(process.pid);
      await new Promise((spun) => child.stdout.once('data', spun));
      // Act
      const after = await treeCpuOf(process.pid);
      // Assess: the grandchild's spin is below this process, not its own
      const spent = cpuBetween(before!, after!);
      expect(spent.belowByName.get('node')).toBeGreaterThanOrEqual(200);
      expect(spent.rootMs).toBeLessThan(200);
    } finally {
      // The child leads its own process group, the grandchild in it: both end.
      process.kill(-child.pid!, 'SIGKILL');
    }
  });

  it('is unknown for a process that does not exist', async () => {
    // Act / Assess: pid 0 is never a process /proc lists
    expect(await treeCpuOf(0)).toBeUndefined();
  });
});

describe("the sequential stream's parts", () => {
  it.each([100, 500])('alternate with the floor, which runs first and last, %i uploads and as many direct backups in all, each numbered once', (count) => {
    // Act
    const parts = interleavedParts(count);
    // Assess
    expect(parts.map((part) => part.side)).toEqual(['floor', ...Array.from({ length: STREAM_PARTS }, () => ['stream', 'floor']).flat()]);
    for (const side of ['floor', 'stream'] as const) {
      const numbers = parts.filter((part) => part.side === side).flatMap((part) => Array.from({ length: part.count }, (_, i) => part.first + i));
      expect(numbers).toEqual(Array.from({ length: count }, (_, i) => i));
    }
  });
});
