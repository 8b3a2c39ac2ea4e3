import { GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';
import { setEnvironment } from '../../scripts/matrix/checks.js';
import type { MatrixContext } from '../../scripts/matrix/types.js';
import { awsError } from './support/fixtures.js';

const lambda = mockClient(LambdaClient);
const target = embeddedTarget('http://127.0.0.1:9');
// Only what setEnvironment reads of a matrix run; no request leaves (the Lambda client is mocked).
const context = { target, clients: clientsFor(target), outputs: { BackupFunctionName: 'kit-backup' } } as unknown as MatrixContext;
const BEFORE = { BACKUP_BUCKET: 'kit-backup-bucket', TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:kit-receipts' };
const renamed = ({ BACKUP_BUCKET, ...rest }: Record<string, string>) => ({ ...rest, BACKUP_BUCKTE: BACKUP_BUCKET ?? '' });
const variablesSent = () => lambda.commandCalls(UpdateFunctionConfigurationCommand).map((call) => call.args[0].input.Environment?.Variables);

beforeEach(() => {
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
