import { CloudFormationClient, DescribeStacksCommand, type StackStatus } from '@aws-sdk/client-cloudformation';
import { GetFunctionCommand, GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { CodeRepairRaced, putArtefactBack, type CodeRepair } from '../../scripts/lib/code-repair.js';
import { awsError } from './support/fixtures.js';

const cloudFormation = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);

afterEach(() => {
  cloudFormation.reset();
  lambda.reset();
});

const repair: CodeRepair = {
  stackName: 'backup-kit',
  functionName: 'backup-kit-backup',
  artefactBucket: 'backup-kit-artefacts',
  artefactKey: 'backup-kit/handler-aaa.zip',
  found: { FunctionName: 'backup-kit-backup', CodeSha256: 'changed-by-hand', RevisionId: 'rev-1' },
  deployAgain: 'make deploy TARGET=localstack',
};

function stackNaming(artefactKey: string, status: StackStatus = 'UPDATE_COMPLETE') {
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [{ StackName: 'backup-kit', StackStatus: status, CreationTime: new Date(), Parameters: [{ ParameterKey: 'ArtifactKey', ParameterValue: artefactKey }] }],
  });
}

describe('putting the artefact back on a function changed by hand', () => {
  it('names the revision it read, so that a function changed since is not overwritten, and returns what the function runs after', async () => {
    // Prepare
    stackNaming(repair.artefactKey);
    lambda.on(UpdateFunctionCodeCommand).resolves({});
    lambda.on(GetFunctionCommand).resolves({ Configuration: { State: 'Active', LastUpdateStatus: 'Successful' } });
    lambda.on(GetFunctionConfigurationCommand).resolves({ CodeSha256: 'the-artefact', RevisionId: 'rev-2' });
    // Act
    const after = await putArtefactBack(new CloudFormationClient({}), new LambdaClient({}), repair);
    // Assess
    expect(lambda.commandCalls(UpdateFunctionCodeCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'backup-kit-backup', S3Bucket: 'backup-kit-artefacts', S3Key: 'backup-kit/handler-aaa.zip', RevisionId: 'rev-1' },
    ]);
    expect(after.CodeSha256).toBe('the-artefact');
  });

  it.each([
    ['another deploy finished with another artefact', 'backup-kit/handler-bbb.zip', 'UPDATE_COMPLETE', /now UPDATE_COMPLETE, artefact backup-kit\/handler-bbb\.zip/],
    ['another deploy is updating the stack', 'backup-kit/handler-aaa.zip', 'UPDATE_IN_PROGRESS', /now UPDATE_IN_PROGRESS/],
  ] as const)('puts nothing back when %s since the deploy read the stack', async (_, artefactKey, status, detail) => {
    // Prepare
    stackNaming(artefactKey, status);
    // Act
    const attempt = putArtefactBack(new CloudFormationClient({}), new LambdaClient({}), repair);
    // Assess
    await expect(attempt).rejects.toThrow(CodeRepairRaced);
    await expect(attempt).rejects.toThrow(detail);
    await expect(attempt).rejects.toThrow(/backup-kit-backup's code was not put back; when it is done, run `make deploy TARGET=localstack` again$/);
    expect(lambda.commandCalls(UpdateFunctionCodeCommand)).toEqual([]);
  });

  it('says the function changed again when Lambda refuses the revision it read', async () => {
    // Prepare
    stackNaming(repair.artefactKey);
    lambda.on(UpdateFunctionCodeCommand).rejects(awsError('PreconditionFailedException', 412));
    // Act
    const attempt = putArtefactBack(new CloudFormationClient({}), new LambdaClient({}), repair);
    // Assess
    await expect(attempt).rejects.toThrow(CodeRepairRaced);
    await expect(attempt).rejects.toThrow('backup-kit-backup changed again while this deploy ran (it was revision rev-1), so its code was not put back: run `make deploy TARGET=localstack` again');
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)).toEqual([]);
  });
});
