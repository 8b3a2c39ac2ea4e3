import {
  AlreadyExistsException,
  ChangeSetNotFoundException,
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { deployStack, madeFromKitTemplate, parametersMovedOn, StackOperationFailed } from '../../scripts/lib/stack.js';

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

describe('a deploy that creates its stack', () => {
  it('says another deploy created the stack meanwhile, and to deploy again, when CloudFormation answers that it exists', async () => {
    // Prepare: no stack when this deploy looked, one by the time it asked to create it (two deploys at once)
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('Stack with id backup-kit does not exist'));
    cloudFormation.on(CreateStackCommand).rejects(new AlreadyExistsException({ message: 'Stack [backup-kit] already exists', $metadata: {} }));
    // Act
    const attempt = deployStack(client, { stackName: 'backup-kit', templateBody: '{}', parameters: {}, log: () => undefined, timeoutMs: 1_000, intervalMs: 10 });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(StackOperationFailed);
    await expect(attempt).rejects.toThrow(
      'stack backup-kit was created by another deploy after this one found none (Stack [backup-kit] already exists): this one changed nothing in it; once the other has ended, deploy again (it updates the stack)',
    );
  });
});

describe('a deploy that updates its stack', () => {
  it('says another deploy changed the stack after this one made its change set, and to deploy again, when that change set is gone', async () => {
    // Prepare: CloudFormation deletes a stack's other change sets when one is executed (two deploys at once)
    cloudFormation.on(DescribeStacksCommand).resolves(stackWith({ FunctionMemoryMb: '512' }));
    cloudFormation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cloudFormation.on(CreateChangeSetCommand).resolves({});
    cloudFormation.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', Changes: [] });
    cloudFormation.on(ExecuteChangeSetCommand).rejects(new ChangeSetNotFoundException({ message: 'ChangeSet [backup-kit-1] does not exist', $metadata: {} }));
    // Act
    const attempt = deployStack(client, { stackName: 'backup-kit', templateBody: '{}', parameters: {}, log: () => undefined, timeoutMs: 1_000, intervalMs: 10 });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(StackOperationFailed);
    await expect(attempt).rejects.toThrow(
      /^stack backup-kit was changed by another deploy after this one made its change set \(ChangeSet \[backup-kit-1\] does not exist\): this one changed nothing in it; once the other has ended, deploy again$/,
    );
  });

  it('lists a modification that may replace its resource (Conditional) as plainly as one that will', async () => {
    // Prepare: CloudFormation marks each modification True, Conditional or False
    cloudFormation.on(DescribeStacksCommand).resolves(stackWith({ FunctionMemoryMb: '512' }));
    cloudFormation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cloudFormation.on(CreateChangeSetCommand).resolves({});
    const change = (LogicalResourceId: string, ResourceType: string, Replacement: 'True' | 'Conditional' | 'False') =>
      ({ Type: 'Resource' as const, ResourceChange: { Action: 'Modify' as const, LogicalResourceId, ResourceType, Replacement } });
    cloudFormation.on(DescribeChangeSetCommand).resolves({
      Status: 'CREATE_COMPLETE',
      Changes: [
        change('ReceiptEmailSubscription', 'AWS::SNS::Subscription', 'True'),
        change('InboxInvokePermission', 'AWS::Lambda::Permission', 'Conditional'),
        change('BackupFunction', 'AWS::Lambda::Function', 'False'),
      ],
    });
    cloudFormation.on(DeleteChangeSetCommand).resolves({});
    const lines: string[] = [];
    // Act: the question is answered no, so that nothing is executed
    await deployStack(client, { stackName: 'backup-kit', templateBody: '{}', parameters: {}, log: (line) => lines.push(line), confirmChanges: async () => false, timeoutMs: 1_000, intervalMs: 10 });
    // Assess
    expect(lines.filter((line) => line.startsWith('  Modify'))).toEqual([
      '  Modify   ReceiptEmailSubscription (AWS::SNS::Subscription)  REPLACEMENT',
      '  Modify   InboxInvokePermission (AWS::Lambda::Permission)  REPLACEMENT if a value it names changes (Conditional)',
      '  Modify   BackupFunction (AWS::Lambda::Function)',
    ]);
  });

  it('says so too when its change set is gone before it was described', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves(stackWith({ FunctionMemoryMb: '512' }));
    cloudFormation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cloudFormation.on(CreateChangeSetCommand).resolves({});
    cloudFormation.on(DescribeChangeSetCommand).rejects(new ChangeSetNotFoundException({ message: 'ChangeSet [backup-kit-1] does not exist', $metadata: {} }));
    // Act
    const attempt = deployStack(client, { stackName: 'backup-kit', templateBody: '{}', parameters: {}, log: () => undefined, timeoutMs: 1_000, intervalMs: 10 });
    // Assess
    await expect(attempt).rejects.toThrow(/^stack backup-kit was changed by another deploy after this one made its change set /);
    expect(cloudFormation.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });
});

describe('a stack of the kit\'s name that shows none of its outputs', () => {
  it('is not taken for the kit\'s or for someone else\'s when its template cannot be read: the refusal names the right to ask for', async () => {
    // Prepare: a failed stack without outputs, and an identity that may not read templates
    cloudFormation.on(GetTemplateCommand).rejects(Object.assign(new Error('User is not authorized to perform: cloudformation:GetTemplate'), { name: 'AccessDenied' }));
    const stack = { StackName: 'backup-kit', StackStatus: 'ROLLBACK_COMPLETE' as const, CreationTime: new Date() };
    // Act
    const judged = madeFromKitTemplate(client, stack);
    // Assess
    await expect(judged).rejects.toThrow(UsageError);
    await expect(judged).rejects.toThrow(
      "stack backup-kit (ROLLBACK_COMPLETE) shows none of the kit's outputs, and its template, which would tell whether it is the kit's, could not be read (AccessDenied: User is not authorized to perform: cloudformation:GetTemplate): nothing was changed; allow this identity cloudformation:GetTemplate, or look at the stack in the CloudFormation console",
    );
  });
});
