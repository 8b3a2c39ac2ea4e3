import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Receipt, ReceiptProbe } from '../../scripts/lib/receipt-probe.js';
import { happyPath } from '../../scripts/matrix/cases/1-happy-path.js';
import { duplicateEvent } from '../../scripts/matrix/cases/2-duplicate-event.js';
import type { MatrixContext } from '../../scripts/matrix/types.js';
import { BACKUP, INBOX } from './support/fixtures.js';
import { logEvent, matrixContext } from './support/matrix-context.js';

const s3 = mockClient(S3Client);
const lambda = mockClient(LambdaClient);
const logs = mockClient(CloudWatchLogsClient);
const HAPPY_KEY = 'matrix/run-1/1-happy/statement 2026 ü.pdf';
const DUPLICATE_KEY = 'matrix/run-1/2-duplicate/notes.txt';

/** A receipt of the key's upload v1 (193 bytes), backed up as b1. */
const receipt = (key: string, MessageId: string, sourceVersionId = 'v1'): Receipt => ({
  MessageId,
  Subject: 'Backed up',
  Message: `Backup:          s3://${BACKUP} (version b1)`,
  MessageAttributes: { key: { Type: 'String', Value: key }, sourceVersionId: { Type: 'String', Value: sourceVersionId }, bytes: { Type: 'Number', Value: '193' } },
});

/** A probe that heard `receipts` of the key: the first one answers a wait, all of them a count. */
function heard(receipts: Receipt[]): ReceiptProbe {
  return { receiptFor: async () => receipts[0], receiptsFor: async () => receipts, allReceipts: async () => receipts, dispose: async () => undefined };
}

const withProbe = (probe: ReceiptProbe): MatrixContext => ({ ...matrixContext(), probe });

beforeEach(() => {
  s3.reset();
  lambda.reset();
  logs.reset();
  s3.on(PutObjectCommand, { Bucket: INBOX }).resolves({ VersionId: 'v1' });
  s3.on(HeadObjectCommand, { Bucket: BACKUP }).resolves({ Metadata: { 'source-version-id': 'v1' }, VersionId: 'b1', ContentType: 'application/pdf', ContentLength: 193 });
  s3.on(ListObjectVersionsCommand, { Bucket: BACKUP }).resolves({ Versions: [{ Key: DUPLICATE_KEY, VersionId: 'b1' }] });
  lambda.on(GetFunctionConfigurationCommand).resolves({ Timeout: 60 });
  lambda.on(InvokeCommand).resolves({ Payload: new TextEncoder().encode(JSON.stringify({ outcomes: ['skip_copy'], ignored: 0, malformed: 0 })) as never });
  logs.on(FilterLogEventsCommand).resolves({ events: [logEvent({ message: 'backup decision', key: DUPLICATE_KEY, outcome: 'skip_copy', sourceVersionId: 'v1' })] });
});

describe('case 1, the happy path', () => {
  it('passes one upload backed up with one receipt', async () => {
    // Act
    const verdict = await happyPath.run(withProbe(heard([receipt(HAPPY_KEY, 'm1')])));
    // Assess
    expect(verdict.outcome).toBe('PASS');
  });

  it('fails a receipt of the key that names another version than its upload', async () => {
    // Act
    const verdict = await happyPath.run(withProbe(heard([receipt(HAPPY_KEY, 'm1', 'v0')])));
    // Assess
    expect(verdict.outcome).toBe('FAIL');
    expect(verdict.reason).toBe('the receipt names source version v0, not v1');
  });

  it('fails when one upload brought two receipts: one backed-up version gets one', async () => {
    // Act
    const verdict = await happyPath.run(withProbe(heard([receipt(HAPPY_KEY, 'm1'), receipt(HAPPY_KEY, 'm2')])));
    // Assess
    expect(verdict.outcome).toBe('FAIL');
    expect(verdict.reason).toBe('the upload brought 2 receipts (m1, m2), expected 1: one backed-up version gets one receipt');
  });
});

describe('case 2, the duplicate event', () => {
  it('passes a redelivered event that is skipped and tells nobody again', async () => {
    // Act
    const verdict = await duplicateEvent.run(withProbe(heard([receipt(DUPLICATE_KEY, 'm1')])));
    // Assess
    expect(verdict.outcome).toBe('PASS');
  });

  it('fails when the redelivered event sent the receipt again, though it copied nothing', async () => {
    // Act
    const verdict = await duplicateEvent.run(withProbe(heard([receipt(DUPLICATE_KEY, 'm1'), receipt(DUPLICATE_KEY, 'm2')])));
    // Assess
    expect(verdict.outcome).toBe('FAIL');
    expect(verdict.reason).toBe('the key has 2 receipts (m1, m2) for one version, expected 1: the redelivered event sent a receipt again (handler/backup.ts alreadyHeld)');
  });

  it('fails when the first delivery sent no receipt: a second one could not be told from it', async () => {
    // Act
    const verdict = await duplicateEvent.run(withProbe(heard([])));
    // Assess
    expect(verdict.outcome).toBe('FAIL');
    expect(verdict.reason).toBe('no receipt reached the probe subscription for the first delivery');
  });
});
