import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { audit } from '../../scripts/matrix/cases/8-audit.js';
import type { MatrixContext } from '../../scripts/matrix/types.js';
import { INBOX } from './support/fixtures.js';
import { matrixContext } from './support/matrix-context.js';

const s3 = mockClient(S3Client);
const TRAIL = 'kit-audit-trail';
const KEY = 'matrix/run-1/8-audit/contract.pdf';
const FOLDER = 'AWSLogs/123456789012/CloudTrail/us-east-1';

function onAws(): MatrixContext {
  const context = matrixContext({ cloudTrail: true });
  return { ...context, outputs: { ...context.outputs, AuditTrailBucketName: TRAIL } };
}

/** A trail file in a day's folder holding the PutObject of the case's key. */
function trailFileIn(day: string, deliveredAt: Date) {
  const file = `${FOLDER}/${day}/123456789012_CloudTrail_us-east-1_20261130T0005Z_abc.json.gz`;
  s3.on(ListObjectsV2Command, { Bucket: TRAIL, Prefix: `${FOLDER}/${day}/` }).resolves({ Contents: [{ Key: file, LastModified: deliveredAt }] });
  const records = { Records: [{ eventName: 'PutObject', eventID: 'event-1', requestParameters: { bucketName: INBOX, key: KEY } }] };
  s3.on(GetObjectCommand, { Bucket: TRAIL, Key: file }).resolves({ Body: { transformToByteArray: async () => new Uint8Array(gzipSync(JSON.stringify(records))) } as never });
}

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand, { Bucket: INBOX }).resolves({ VersionId: 'v1' });
  s3.on(ListObjectsV2Command).resolves({});
});

afterEach(() => {
  vi.useRealTimers();
});

describe('case 8, the audit trail', () => {
  it('finds an upload made just before UTC midnight in the next day’s folder, where CloudTrail delivers it', async () => {
    // Prepare: the upload at 23:59:50, its trail file delivered five minutes later, named and filed by that time
    vi.useFakeTimers({ now: new Date('2026-11-29T23:59:50Z') });
    trailFileIn('2026/11/30', new Date('2026-11-30T00:05:00Z'));
    // Act
    const running = audit.run(onAws());
    await vi.runAllTimersAsync();
    const verdict = await running;
    // Assess
    expect(verdict.outcome).toBe('PASS');
    expect(verdict.evidence).toContain(`trail event event-1 in s3://${TRAIL}/${FOLDER}/2026/11/30/123456789012_CloudTrail_us-east-1_20261130T0005Z_abc.json.gz`);
  });

  it('ends its wait for CloudTrail at a Ctrl-C, unjudged, where it waited out its 20 minutes', async () => {
    // Prepare: nothing delivered yet; the run is interrupted a minute into the wait
    vi.useFakeTimers({ now: new Date('2026-11-30T10:00:00Z') });
    const interrupted = new AbortController();
    // Act
    const running = audit.run({ ...onAws(), signal: interrupted.signal });
    await vi.advanceTimersByTimeAsync(60_000);
    interrupted.abort();
    await vi.advanceTimersByTimeAsync(0);
    const verdict = await Promise.race([running, Promise.resolve('still waiting' as const)]);
    // Assess
    expect(verdict).not.toBe('still waiting');
    expect(verdict).toMatchObject({ outcome: 'SKIP' });
    expect(JSON.stringify(verdict)).toContain('Ctrl-C');
  });
});
