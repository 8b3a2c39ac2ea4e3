import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { clientsFor } from '../../scripts/lib/clients.js';
import { goneWithDelete, requireDeployedStack, requireReadableStack } from '../../scripts/lib/deployed-stack.js';
import { StackNeedsRecovery } from '../../scripts/lib/stack-state.js';
import { embeddedTarget, TargetName, type Target } from '../../scripts/lib/targets.js';
import { readTemplateText } from '../../scripts/lib/template.js';
import { KIT_INBOX, kitOutputs, OTHERS_TEMPLATE } from './support/kit-stack.js';

const cloudFormation = mockClient(CloudFormationClient);
// No request leaves: every client the target gets is mocked.
const target = embeddedTarget('http://127.0.0.1:9');
const clients = clientsFor(target);

const stack = (status: string, extra: Partial<Stack> = {}): Stack => ({
  StackName: 'backup-kit',
  StackStatus: status as Stack['StackStatus'],
  StackStatusReason: 'what CloudFormation said',
  CreationTime: new Date(),
  Parameters: [{ ParameterKey: 'LogRetentionDays', ParameterValue: '7' }],
  Outputs: kitOutputs,
  ...extra,
});

beforeEach(() => {
  cloudFormation.reset();
});

describe('a verb that only reads reads a stack in trouble, while its resources are named', () => {
  // Every state CloudFormation leaves a stack in that the verbs which change it refuse, with its outputs still shown.
  it.each(['UPDATE_ROLLBACK_FAILED', 'UPDATE_FAILED', 'DELETE_FAILED', 'IMPORT_ROLLBACK_FAILED'])(
    '%s: its outputs and parameters, with the state and how to recover',
    async (status) => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack(status)] });
      // Act
      const readable = await requireReadableStack(target, clients);
      const refused = await requireDeployedStack(target, clients).catch((error: Error) => error);
      // Assess
      expect(readable.outputs.InboxBucketName).toBe(KIT_INBOX);
      expect(readable.outputs.LogGroupName).toBe('/aws/lambda/backup-kit-backup');
      expect(readable.parameters).toEqual({ LogRetentionDays: '7' });
      expect(readable.trouble).toBe((refused as Error).message);
      expect(readable.trouble).toMatch(new RegExp(`^stack backup-kit on embedded is in ${status} \\(what CloudFormation said\\): .*make destroy TARGET=embedded`));
      expect(refused).toBeInstanceOf(StackNeedsRecovery);
    },
  );

  it.each(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'DELETE_IN_PROGRESS', 'IMPORT_IN_PROGRESS'])(
    '%s on aws: read meanwhile, said to be under way (not "wait and run this again", as to the verbs that change it)',
    async (status) => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack(status)] });
      const aws: Target = { ...target, name: TargetName.aws, endpoint: undefined, region: 'eu-central-1' };
      // Act
      const readable = await requireReadableStack(aws, clients);
      const refused = await requireDeployedStack(aws, clients).catch((error: Error) => error);
      // Assess
      expect(readable.trouble).toBe(`stack backup-kit on aws is in ${status} (what CloudFormation said): an operation is under way, and what it changes may show midway`);
      expect(readable.outputs.FailedEventsQueueUrl).toMatch(/backup-kit-failed-events$/);
      expect((refused as Error).message).toMatch(/an operation is still running: wait until it ends/);
    },
  );

  it('on aws, the trouble is the advice of that target', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_ROLLBACK_FAILED')] });
    // Act
    const aws: Target = { ...target, name: TargetName.aws, endpoint: undefined, region: 'eu-central-1' };
    const readable = await requireReadableStack(aws, clients);
    // Assess
    expect(readable.trouble).toMatch(/is in UPDATE_ROLLBACK_FAILED \(what CloudFormation said\): fix what stopped the rollback .*continue-update-rollback/);
  });

  it.each(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE'])('%s: no trouble to tell', async (status) => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack(status)] });
    // Act
    const readable = await requireReadableStack(target, clients);
    // Assess
    expect(readable.trouble).toBeUndefined();
    expect(readable.outputs.BackupFunctionName).toBe('backup-kit-backup');
  });
});

describe('a verb that only reads is refused where the stack names nothing to read', () => {
  it.each(['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'CREATE_FAILED', 'REVIEW_IN_PROGRESS'])('%s without outputs: the state and how to recover', async (status) => {
    // Prepare: a create that failed shows no outputs; the kit's template tells it is the kit's
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack(status, { Outputs: undefined })] });
    cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: await readTemplateText() });
    // Act
    const refused = await requireReadableStack(target, clients).catch((error: Error) => error);
    // Assess
    expect(refused).toBeInstanceOf(StackNeedsRecovery);
    expect((refused as Error).message).toMatch(new RegExp(`^stack backup-kit on embedded is in ${status} \\(what CloudFormation said\\): `));
  });

  it('someone else’s stack of the name, in trouble or not, is left to its owner', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_ROLLBACK_FAILED', { Outputs: [{ OutputKey: 'OrdersQueueUrl', OutputValue: 'q' }] })] });
    cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: OTHERS_TEMPLATE });
    // Act
    const refused = await requireReadableStack(target, clients).catch((error: Error) => error);
    // Assess
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toMatch(/the kit leaves it to its owner/);
  });

  it('no stack: deploy it first', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('Stack with id backup-kit does not exist'));
    // Act
    const refused = requireReadableStack(target, clients);
    // Assess
    await expect(refused).rejects.toThrow(/^no stack backup-kit on embedded at http:\/\/127\.0\.0\.1:9: deploy it first with `make deploy TARGET=embedded`$/);
  });
});

describe("a read of a stack whose delete took what it reads", () => {
  const noSuchBucket = () => Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket', BucketName: KIT_INBOX });
  const noSuchQueue = () => Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist' });

  it.each(['DELETE_FAILED', 'DELETE_IN_PROGRESS'])('%s: the bucket or queue went with the delete, said with how to recover (not "deleted outside the kit?")', async (status) => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack(status)] });
    const readable = await requireReadableStack(target, clients);
    // Act
    const bucket = goneWithDelete(readable, noSuchBucket());
    const queue = goneWithDelete(readable, noSuchQueue());
    // Assess
    expect(bucket).toBeInstanceOf(StackNeedsRecovery);
    expect((bucket as Error).message).toBe(`s3://${KIT_INBOX} went with the stack's delete: ${readable.trouble}`);
    expect((queue as Error).message).toBe(`the stack's failed-events queue went with the stack's delete: ${readable.trouble}`);
  });

  it('in any other state, or for another error, the error is left as it is', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_ROLLBACK_FAILED')] });
    const inTrouble = await requireReadableStack(target, clients);
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack('DELETE_FAILED')] });
    const deleting = await requireReadableStack(target, clients);
    const missing = noSuchBucket();
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    // Act
    const [kept, other] = [goneWithDelete(inTrouble, missing), goneWithDelete(deleting, denied)];
    // Assess
    expect(kept).toBe(missing);
    expect(other).toBe(denied);
  });
});
