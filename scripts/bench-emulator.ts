import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { ExitCode, run } from './lib/cli.js';
import { deploy } from './lib/deployment.js';
import { startEmulator } from './lib/emulator.js';
import { waitForBackupOf } from './lib/observe.js';
import { embeddedTarget } from './lib/targets.js';
import { waitFor } from './lib/wait.js';

/** Prints the embedded target's speed figures: start + deploy (target under 15 s) and backup latencies. */
const SEQUENTIAL_UPLOADS = 30;
const BURST_UPLOADS = 200;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (value: number) => `${Math.round(value)} ms`;

run(async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'backup-kit-bench-'));
  const started = performance.now();
  const emulator = await startEmulator({ stateDir });
  const ready = performance.now();
  try {
    const deployment = await deploy(embeddedTarget(emulator.endpoint), { overrides: { NamePrefix: 'kit-bench' }, log: () => undefined });
    const deployed = performance.now();
    console.log(`emulator start:            ${ms(ready - started)}`);
    console.log(`stack deploy:              ${ms(deployed - ready)}`);
    console.log(`start + deploy ready:      ${ms(deployed - started)} (target: under 15000 ms)`);

    const { s3 } = deployment.clients;
    const { InboxBucketName, BackupBucketName } = deployment.outputs;
    const put = (key: string) => s3.send(new PutObjectCommand({ Bucket: InboxBucketName, Key: key, Body: `bench ${key}` }));
    const backUp = async (key: string) => {
      const t0 = performance.now();
      const { VersionId } = await put(key);
      await waitForBackupOf(s3, BackupBucketName, key, VersionId!, 60_000, 10);
      return performance.now() - t0;
    };
    const sequential: number[] = [];
    for (let i = 0; i < SEQUENTIAL_UPLOADS; i += 1) sequential.push(await backUp(`bench/sequential-${i}.txt`));
    sequential.sort((a, b) => a - b);
    console.log(`upload -> backup (${SEQUENTIAL_UPLOADS} one by one): p50 ${ms(percentile(sequential, 50))}, p95 ${ms(percentile(sequential, 95))}, max ${ms(sequential.at(-1)!)}`);

    // One listing at a time watches the burst, so that the watching does not load the emulator it measures.
    const burstStarted = performance.now();
    await Promise.all(Array.from({ length: BURST_UPLOADS }, (_, i) => put(`bench/burst-${i}.txt`)));
    await waitFor(
      `${BURST_UPLOADS} backups`,
      async () => {
        const listing = await s3.send(new ListObjectsV2Command({ Bucket: BackupBucketName, Prefix: 'bench/burst-' }));
        return listing.KeyCount === BURST_UPLOADS ? true : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 50 },
    );
    const burst = performance.now() - burstStarted;
    console.log(`burst of ${BURST_UPLOADS} uploads backed up:  ${ms(burst)} (${(BURST_UPLOADS / (burst / 1000)).toFixed(1)} backups/s)`);
    return ExitCode.ok;
  } finally {
    await emulator.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
});
