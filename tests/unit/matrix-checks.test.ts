import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';
import { backupOf, loggedLine, setEnvironment } from '../../scripts/matrix/checks.js';
import type { MatrixContext } from '../../scripts/matrix/types.js';
import { awsError } from './support/fixtures.js';

const lambda = mockClient(LambdaClient);
const logs = mockClient(CloudWatchLogsClient);
const s3 = mockClient(S3Client);
const target = embeddedTarget('http://127.0.0.1:9');
// Only what setEnvironment reads of a matrix run; no request leaves (the Lambda client is mocked).
const context = { target, clients: clientsFor(target), outputs: { BackupFunctionName: 'kit-backup', LogGroupName: '/aws/lambda/kit-backup', BackupBucketName: 'kit-backup-bucket' }, patienceMs: 1_000 } as unknown as MatrixContext;
const BEFORE = { BACKUP_BUCKET: 'kit-backup-bucket', TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:kit-receipts' };
const renamed = ({ BACKUP_BUCKET, ...rest }: Record<string, string>) => ({ ...rest, BACKUP_BUCKTE: BACKUP_BUCKET ?? '' });
const variablesSent = () => lambda.commandCalls(UpdateFunctionConfigurationCommand).map((call) => call.args[0].input.Environment?.Variables);

beforeEach(() => {
  s3.reset();
  logs.reset();
  lambda.reset();
  lambda.on(UpdateFunctionConfigurationCommand).resolves({});
});

describe("the matrix's change of the function's environment", () => {
  it('puts the previous variables back itself when the change cannot be seen applied, so that no later run meets it', async () => {
    // Prepare: the first read answers, the reads after the change fail
    lambda.on(GetFunctionConfigurationCommand).resolvesOnce({ Environment: { Variables: BEFORE } }).rejects(awsError('ServiceException', 500));
    // Act
    const changed = setEnvironment(context, renamed);
    // Assess
    await expect(changed).rejects.toThrow(expect.objectContaining({ name: 'ServiceException' }));
    expect(variablesSent()).toEqual([renamed(BEFORE), BEFORE]);
  });

  it('fails, and puts the variables back, when Lambda says the update failed', async () => {
    // Prepare
    lambda.on(GetFunctionConfigurationCommand).resolvesOnce({ Environment: { Variables: BEFORE } }).resolves({ LastUpdateStatus: 'Failed', LastUpdateStatusReason: 'KMS key not usable' });
    // Act
    const changed = setEnvironment(context, renamed);
    // Assess
    await expect(changed).rejects.toThrow('kit-backup did not apply its new configuration: KMS key not usable');
    expect(variablesSent()).toEqual([renamed(BEFORE), BEFORE]);
  });
});

describe("the matrix's wait for a line of the function's log", () => {
  const skipCopy = { message: 'decision', outcome: 'skip_copy', key: 'a.txt' };
  const event = (line: object) => ({ timestamp: Date.now(), message: JSON.stringify(line) });

  it('fails with the reason when the log cannot be read, where it said no such line was logged', async () => {
    // Prepare: the caller may not read the log group
    logs.on(FilterLogEventsCommand).rejects(awsError('AccessDeniedException', 400));
    // Act
    const waiting = loggedLine(context, Date.now(), (line) => line.outcome === 'skip_copy');
    // Assess
    await expect(waiting).rejects.toThrow(expect.objectContaining({ name: 'AccessDeniedException' }));
  });

  it('waits while the log group is not there yet, and finds the line once it is', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand).rejectsOnce(awsError('ResourceNotFoundException', 400)).resolves({ events: [event(skipCopy)] });
    // Act
    const line = await loggedLine(context, Date.now(), (found) => found.outcome === 'skip_copy');
    // Assess
    expect(line).toMatchObject(skipCopy);
  });

  it('reads again after a read that may pass (throttled), and fails with that reason only when every read to the end failed so', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand).rejectsOnce(awsError('ThrottlingException', 400)).resolves({ events: [event(skipCopy)] });
    // Act
    const line = await loggedLine(context, Date.now(), (found) => found.outcome === 'skip_copy');
    logs.reset();
    logs.on(FilterLogEventsCommand).rejects(awsError('ServiceUnavailableException', 503));
    const failing = loggedLine(context, Date.now(), (found) => found.outcome === 'skip_copy', 600);
    // Assess
    expect(line).toMatchObject(skipCopy);
    await expect(failing).rejects.toThrow(expect.objectContaining({ name: 'ServiceUnavailableException' }));
  });

  it('says no line was logged when none came in time', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    // Act
    const line = await loggedLine(context, Date.now(), (found) => found.outcome === 'skip_copy', 600);
    // Assess
    expect(line).toBeUndefined();
  });
});

describe("the matrix's wait for a backup", () => {
  it("says, when none came in time, what the function's log tells of it, where it said only that the wait timed out", async () => {
    // Prepare: the backup never appears, and no invocation of the function started (its event was dropped)
    s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    // Act
    const waiting = backupOf(context, 'matrix/run-1/1-happy/a.pdf', 'v1');
    // Assess
    await expect(waiting).rejects.toThrow(expect.objectContaining({ name: 'WaitTimeout' }));
    await expect(waiting).rejects.toThrow(
      /^timed out after 1\.0 s waiting for s3:\/\/kit-backup-bucket\/matrix\/run-1\/1-happy\/a\.pdf to hold source version v1: no invocation of the function started since the upload: its event did not reach the function/,
    );
  });
});
