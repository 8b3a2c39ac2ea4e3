import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parametersMovedOn } from '../../scripts/lib/stack.js';

const cloudFormation = mockClient(CloudFormationClient);
const client = new CloudFormationClient({ region: 'us-east-1' });
beforeEach(() => cloudFormation.reset());

const stackWith = (parameters: Record<string, string>) => ({
  Stacks: [{ StackName: 'backup-kit', StackStatus: 'UPDATE_COMPLETE' as const, CreationTime: new Date(), Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })) }],
});

describe('parameters another deploy moved on', () => {
  it('names each parameter the stack now holds otherwise than this deploy set it', async () => {
    // Prepare: a deploy beside this one set FunctionMemoryMb=768 after this one set 1024
    cloudFormation.on(DescribeStacksCommand).resolves(stackWith({ FunctionMemoryMb: '768', CopyConcurrency: '8', NamePrefix: 'backup-kit' }));
    // Act
    const moved = await parametersMovedOn(client, 'backup-kit', { FunctionMemoryMb: '1024', CopyConcurrency: '8' });
    // Assess
    expect(moved).toEqual(["FunctionMemoryMb=768 (this deploy's: 1024)"]);
  });

  it('names none while the stack holds what this deploy set, or when it is gone', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolvesOnce(stackWith({ FunctionMemoryMb: '1024' })).rejects(new Error('Stack with id backup-kit does not exist'));
    // Act
    const unchanged = await parametersMovedOn(client, 'backup-kit', { FunctionMemoryMb: '1024' });
    const gone = await parametersMovedOn(client, 'backup-kit', { FunctionMemoryMb: '1024' });
    // Assess
    expect([unchanged, gone]).toEqual([[], []]);
  });
});
