import { CloudWatchLogsClient, FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { permissionError } from '../../scripts/matrix/cases/5-permission-error.js';
import { BACKUP, INBOX } from './support/fixtures.js';
import { logEvent, matrixContext } from './support/matrix-context.js';

const s3 = mockClient(S3Client);
const lambda = mockClient(LambdaClient);
const logs = mockClient(CloudWatchLogsClient);
const KEY = 'matrix/run-1/5-permission/diary.txt';
// LocalStack's way of the case (the topic made unreachable), without its waits: the deploy of the other way is not unit-tested.
const context = () => matrixContext({ iamEnforced: false, settleAfterConfigChangeMs: 0 });

const copied = logEvent({ message: 'backup decision', key: KEY, outcome: 'copied', sourceVersionId: 'v1' });
const refused = logEvent({ level: 'ERROR', message: 'receipt not sent; the backup stands', key: KEY, outcome: 'notify_failed', retried: false, error: { name: 'NotFoundException', message: 'Topic does not exist' } });

function functionLogged(...events: FilteredLogEvent[]) {
  logs.on(FilterLogEventsCommand).resolves({ events });
}

beforeEach(() => {
  s3.reset();
  lambda.reset();
  logs.reset();
  lambda.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:kit-receipts' } }, LastUpdateStatus: 'Successful' });
  lambda.on(UpdateFunctionConfigurationCommand).resolves({});
  s3.on(PutObjectCommand, { Bucket: INBOX }).resolves({ VersionId: 'v1' });
  s3.on(HeadObjectCommand, { Bucket: BACKUP }).resolves({ Metadata: { 'source-version-id': 'v1' }, VersionId: 'b1' });
});

describe('case 5, the permission error', () => {
  it('passes a copy that stands with its receipt refused, and the event done', async () => {
    // Prepare
    functionLogged(copied, refused);
    // Act
    const verdict = await permissionError.run(context());
    // Assess
    expect(verdict.outcome).toBe('SIMULATED');
  });

  it('fails when the refused receipt failed the invocation: the event will be retried', async () => {
    // Prepare
    functionLogged(copied, refused, logEvent({ level: 'ERROR', message: 'backup failed; the event will be retried', key: KEY, outcome: 'retry', eventVersionId: 'v1' }));
    // Act
    const verdict = await permissionError.run(context());
    // Assess
    expect(verdict.outcome).toBe('FAIL');
    expect(verdict.reason).toBe('the refused receipt failed the event, which will be retried ("backup failed; the event will be retried"): a permanent refusal must leave the copy standing and the event done');
  });

  it('fails when the key was decided more than once: the event came back', async () => {
    // Prepare: a retry of the event, which found its copy done
    functionLogged(copied, refused, logEvent({ message: 'backup decision', key: KEY, outcome: 'skip_copy', sourceVersionId: 'v1' }));
    // Act
    const verdict = await permissionError.run(context());
    // Assess
    expect(verdict.outcome).toBe('FAIL');
    expect(verdict.reason).toBe('the key has 2 backup decisions (copied, skip_copy), expected 1: the event was handled again');
  });
});
