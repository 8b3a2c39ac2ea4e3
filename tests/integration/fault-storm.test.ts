import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LogMessage, Outcome } from '../../handler/outcome.js';
import { BackupMetadata } from '../../handler/provenance.js';
import { historyUnder } from '../../scripts/lib/bucket-listing.js';
import { functionLogLines, logEvents } from '../../scripts/lib/observe.js';
import { createReceiptProbe, type ReceiptProbe } from '../../scripts/lib/receipt-probe.js';
import { Finding, reconcileBuckets, repairThroughFunction } from '../../scripts/lib/reconcile.js';
import { isUnreadable, parseParked, receiveAll, redriveOne, type ParkedEvent } from '../../scripts/lib/redrive.js';
import { emulatorFaults, emulatorQuiet, printEmulatorLogOnFailure, startEmbeddedStack, type EmbeddedStack } from './support/embedded.js';

const UPLOADS = 200;
const REWRITTEN_KEYS = 10;
/** Uploads during an outage (every function request fails), whose events end in the failed-events queue. */
const DURING_OUTAGE = 5;
/** Short, so that one held request makes its invocation time out, yet long enough for a loaded 2-core machine. */
const TIMEOUT_SECONDS = 10;

let stack: EmbeddedStack | undefined;
let probe: ReceiptProbe | undefined;
const live = () => {
  if (!stack || !probe) throw new Error('the emulator did not start');
  const { outputs, clients } = stack.deployment;
  return { ...clients, outputs, probe, buckets: { inboxBucket: outputs.InboxBucketName, backupBucket: outputs.BackupBucketName } };
};

const faults = (method: 'PUT' | 'DELETE' | 'GET', settings?: object) => emulatorFaults(stack!.emulator, method, settings);

beforeAll(async () => {
  stack = await startEmbeddedStack({ namePrefix: 'kit-storm-it', parameters: { FunctionTimeoutSeconds: String(TIMEOUT_SECONDS) }, env: { KIT_EMULATOR_RETRY_DELAYS: '0.5,1' } });
  probe = await createReceiptProbe(stack.deployment.clients, stack.deployment.outputs.ReceiptTopicArn, 'kit-storm-probe');
}, 120_000);
afterAll(async () => {
  await probe?.dispose();
  await stack?.emulator.stop();
});
beforeEach(() => printEmulatorLogOnFailure(() => stack));

describe('a fault storm', () => {
  it('loses nothing: after retries, redrive and reconcile every key is backed up, current, and every backed-up version has a receipt', async () => {
    // Prepare: throttling and 5xx on a share of the function's requests, a share of S3 events lost, a share
    // delivered twice and a share late, one invocation held past its timeout, and one function process killed
    // between a copy and its receipt
    const { s3, sqs, lambda, logs, outputs, probe, buckets } = live();
    const started = Date.now();
    const prefix = `storm-${started}/`;
    await faults('PUT', {
      throttle: 0.15,
      serverError: 0.1,
      dropEvents: 0.03,
      duplicateEvents: 0.1,
      delayEvents: { share: 0.1, ms: 800 },
      seed: 7,
      holdNext: { ms: (TIMEOUT_SECONDS + 1) * 1000, operation: 'CopyObject' },
      killNext: { operation: 'Publish' },
    });
    const keys = Array.from({ length: UPLOADS - 2 * REWRITTEN_KEYS - DURING_OUTAGE }, (_, i) => `${prefix}file-${i}.txt`);
    const outage = Array.from({ length: DURING_OUTAGE }, (_, i) => `${prefix}outage-${i}.txt`);
    const rewrites = keys.slice(0, REWRITTEN_KEYS).flatMap((key) => [key, key]);
    const limit = pLimit(16);

    // Act
    await Promise.all(
      [...keys, ...rewrites].map((key, i) => limit(() => s3.send(new PutObjectCommand({ Bucket: buckets.inboxBucket, Key: key, Body: `upload ${i} of ${key}` })))),
    );
    await emulatorQuiet(stack!.emulator, 120_000);
    const storm = await faults('PUT', { serverError: 1 });
    await Promise.all(outage.map((key) => s3.send(new PutObjectCommand({ Bucket: buckets.inboxBucket, Key: key, Body: `during the outage: ${key}` }))));
    await emulatorQuiet(stack!.emulator, 60_000);
    const injected = await faults('DELETE');
    const parkedMessages = (await receiveAll(sqs, outputs.FailedEventsQueueUrl, 120)).messages;
    const parked = parkedMessages.map(parseParked).filter((m): m is ParkedEvent => !isUnreadable(m));
    const redriven = [];
    for (const event of parked) redriven.push(await redriveOne(sqs, lambda, outputs.FailedEventsQueueUrl, outputs.BackupFunctionName, event));
    const findings = await reconcileBuckets(s3, buckets, { prefix });
    const repairs = await repairThroughFunction(s3, lambda, outputs.BackupFunctionName, buckets, 'us-east-1', findings);
    const final = await reconcileBuckets(s3, buckets, { prefix });

    // Assess
    const backups = [...(await historyUnder(s3, buckets.backupBucket, prefix)).values()].flat().filter((entry) => !entry.deleteMarker);
    const sources = await Promise.all(
      backups.map(async (entry) => (await s3.send(new HeadObjectCommand({ Bucket: buckets.backupBucket, Key: entry.key, VersionId: entry.versionId }))).Metadata?.[BackupMetadata.sourceVersionId]),
    );
    const receipts = await probe.allReceipts(3_000);
    const receiptSources = new Set(receipts.map((r) => r.MessageAttributes?.sourceVersionId?.Value));
    const lines = await functionLogLines(logs, outputs.LogGroupName, started - 1_000);
    const decided = lines.filter((l) => l.message === LogMessage.decision && String(l.key).startsWith(prefix) && l.outcome !== Outcome.sourceMissing);
    const raw = (await logEvents(logs, outputs.LogGroupName, started - 1_000)).map((e) => e.message ?? '');
    const counts = {
      uploads: UPLOADS,
      faultsInjected: { ...injected.counts, stormOnly: storm.counts },
      copies: backups.length,
      retries: lines.filter((l) => l.outcome === Outcome.retry).length,
      timeouts: raw.filter((m) => m.includes('Task timed out')).length,
      crashes: raw.filter((m) => m.includes('Runtime exited with error')).length,
      parked: parked.length,
      redriven: redriven.filter((r) => !r.error).length,
      repaired: repairs.filter((r) => r.after?.finding === Finding.ok).length,
      receipts: receipts.length,
    };
    console.log(`fault storm: ${JSON.stringify(counts)}`);

    expect(storm.counts).toMatchObject({ held: 1, killed: 1 });
    expect(storm.counts.throttled! + storm.counts.server_errors! + storm.counts.dropped_events!).toBeGreaterThan(0);
    expect(storm.counts.duplicated_events! * storm.counts.delayed_events!).toBeGreaterThan(0);
    expect(parked.flatMap((p) => p.keys).sort()).toEqual(expect.arrayContaining(outage));
    expect(redriven.filter((r) => r.error)).toEqual([]);
    expect(repairs.length).toBeGreaterThanOrEqual(Math.min(1, storm.counts.dropped_events ?? 0));
    expect(final.filter((f) => f.finding !== Finding.ok)).toEqual([]);
    expect(final).toHaveLength(keys.length + outage.length);
    expect(new Set(sources).size, 'no source version is backed up twice').toBe(sources.length);
    const backedUp = new Set(sources);
    expect(decided.map((l) => l.sourceVersionId).filter((id) => !backedUp.has(String(id))), 'every version current when its event was processed is backed up').toEqual([]);
    const unreceipted = sources.filter((id) => !receiptSources.has(id));
    const keysOf = new Set(lines.filter((l) => unreceipted.includes(String(l.sourceVersionId))).map((l) => String(l.key)));
    const story = lines.filter((l) => keysOf.has(String(l.key))).map((l) => JSON.stringify({ m: l.message, o: l.outcome, v: l.sourceVersionId, ev: l.eventVersionId, r: l.function_request_id, resent: l.resent, e: (l.error as { name?: string } | undefined)?.name }));
    expect(unreceipted, `every backed-up version has a receipt:\n${story.join('\n')}`).toEqual([]);
  }, 300_000);
});
