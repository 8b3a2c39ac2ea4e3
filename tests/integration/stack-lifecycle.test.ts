import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  ListChangeSetsCommand,
  UpdateStackCommand,
  type Parameter,
} from '@aws-sdk/client-cloudformation';
import { CreateLogGroupCommand, DeleteLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyBucket } from '../../scripts/lib/buckets.js';
import { UsageError } from '../../scripts/lib/cli.js';
import { requireDeployedStack, requireReadableStack } from '../../scripts/lib/deployed-stack.js';
import { deploy } from '../../scripts/lib/deployment.js';
import type { Parameters } from '../../scripts/lib/parameters.js';
import { deleteStack, describeStack } from '../../scripts/lib/stack.js';
import { StackNeedsRecovery } from '../../scripts/lib/stack-state.js';
import { tearDown } from '../../scripts/lib/teardown.js';
import { readTemplateText } from '../../scripts/lib/template.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { emulatorQuiet, useEmbeddedStack } from './support/embedded.js';

const PREFIX = 'kit-lifecycle-it';
const started = useEmbeddedStack({ namePrefix: PREFIX });
const quietly = { log: () => undefined };
const follow = () => ({ timeoutMs: 60_000, intervalMs: 200, startedAt: Date.now() });
const asCfn = (parameters: Parameters): Parameter[] => Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));

/** Empties the stack's buckets and deletes it, as `make destroy` does. */
async function destroy(namePrefix: string): Promise<void> {
  const { clients } = started().deployment;
  const found = await describeStack(clients.cloudFormation, namePrefix);
  for (const bucket of (found?.Outputs ?? []).filter((o) => /BucketName$/.test(o.OutputKey ?? '')).map((o) => o.OutputValue!)) {
    await emptyBucket(clients.s3, bucket).catch((error: Error) => {
      if (error.name !== 'NoSuchBucket') throw error;
    });
  }
  await deleteStack(clients.cloudFormation, namePrefix, () => undefined, follow());
}

describe('parameter constraints, as CloudFormation enforces them', () => {
  const invalid: [string, Parameters, string][] = [
    ['CopyConcurrency=0', { CopyConcurrency: '0' }, "Parameter 'CopyConcurrency' must be a number not less than 1"],
    ['NamePrefix=UPPER_case', { NamePrefix: 'UPPER_case' }, 'Parameter NamePrefix failed to satisfy constraint: 3-20 characters, lower-case letters, digits and hyphens, starting with a letter, not with xn--, sthree- or amzn-s3-demo- (S3 reserves them for bucket names).'],
    ['NotificationEmail=not-an-email', { NotificationEmail: 'not-an-email' }, 'Parameter NotificationEmail failed to satisfy constraint: an e-mail address, or empty for no e-mail subscription.'],
    ['MultipartThresholdBytes=1', { MultipartThresholdBytes: '1' }, "Parameter 'MultipartThresholdBytes' must be a number not less than 5242880"],
    ['FunctionMemoryMb=20000', { FunctionMemoryMb: '20000' }, "Parameter 'FunctionMemoryMb' must be a number not greater than 10240"],
    ['FunctionTimeoutSeconds=abc', { FunctionTimeoutSeconds: 'abc' }, "Parameter 'FunctionTimeoutSeconds' must be a number."],
    ['FunctionTimeoutSeconds=nan', { FunctionTimeoutSeconds: 'nan' }, "Parameter 'FunctionTimeoutSeconds' must be a number."],
    ['LogRetentionDays=2', { LogRetentionDays: '2' }, "Parameter 'LogRetentionDays' must be one of AllowedValues"],
    ['an unknown name', { CopyConcurency: '4' }, 'Parameters: [CopyConcurency] do not exist in the template'],
  ];

  it.each(invalid)('CreateStack with %s is a ValidationError, and no stack is created', async (_, bad, message) => {
    // Prepare
    const { clients, parameters } = started().deployment;
    const StackName = 'kit-invalid-it';
    // Act
    const create = clients.cloudFormation.send(
      new CreateStackCommand({ StackName, TemplateBody: await readTemplateText(), Parameters: asCfn({ ...parameters, ...bad }), Capabilities: ['CAPABILITY_IAM'] }),
    );
    // Assess
    await expect(create).rejects.toThrow(expect.objectContaining({ name: 'ValidationError', message }));
    expect(await describeStack(clients.cloudFormation, StackName)).toBeUndefined();
  });

  it('CreateStack without a parameter that has no default names it', async () => {
    // Prepare
    const { clients, parameters } = started().deployment;
    const { ArtifactBucket: _, ...withoutBucket } = parameters;
    // Act
    const create = clients.cloudFormation.send(
      new CreateStackCommand({ StackName: 'kit-invalid-it', TemplateBody: await readTemplateText(), Parameters: asCfn(withoutBucket), Capabilities: ['CAPABILITY_IAM'] }),
    );
    // Assess
    await expect(create).rejects.toThrow('Parameters: [ArtifactBucket] must have values');
  });

  it.each(invalid)('CreateChangeSet and UpdateStack with %s are ValidationErrors, and the stack is unchanged', async (_, bad, message) => {
    // Prepare
    const { clients, parameters } = started().deployment;
    const request = { StackName: PREFIX, TemplateBody: await readTemplateText(), Parameters: asCfn({ ...parameters, ...bad }), Capabilities: ['CAPABILITY_IAM' as const] };
    // Act
    const changeSet = clients.cloudFormation.send(new CreateChangeSetCommand({ ...request, ChangeSetName: 'kit-invalid', ChangeSetType: 'UPDATE' }));
    await expect(changeSet).rejects.toThrow(message);
    const update = clients.cloudFormation.send(new UpdateStackCommand(request));
    // Assess
    await expect(update).rejects.toThrow(message);
    expect((await clients.cloudFormation.send(new ListChangeSetsCommand({ StackName: PREFIX }))).Summaries ?? []).toEqual([]);
    expect((await describeStack(clients.cloudFormation, PREFIX))?.StackStatus).toBe('CREATE_COMPLETE');
  });

  it('a deploy with an invalid override is a usage error naming the parameter and where it came from', async () => {
    // Prepare
    const { target } = started();
    // Act
    const attempt = deploy(target, { overrides: { NamePrefix: PREFIX, CopyConcurrency: '0' }, ...quietly });
    // Assess
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow("Parameter 'CopyConcurrency' must be a number not less than 1 (check the -p overrides and cloudformation/parameters/embedded.json)");
  });

  it('a deploy of a new stack with an invalid parameter writes nothing, not even its artefacts bucket', async () => {
    // Prepare
    const { target, deployment } = started();
    // Act
    const attempt = deploy(target, { overrides: { NamePrefix: 'kit-never-it', LogRetentionDays: '2' }, ...quietly });
    // Assess
    await expect(attempt).rejects.toThrow("Parameter 'LogRetentionDays' must be one of AllowedValues (check the -p overrides and cloudformation/parameters/embedded.json)");
    const artefacts = deployment.clients.s3.send(new HeadBucketCommand({ Bucket: 'kit-never-it-artefacts-123456789012-us-east-1' }));
    await expect(artefacts).rejects.toThrow();
  });
});

describe('a deploy converges on the parameter file and the template defaults', () => {
  it('puts back what an earlier override changed when a plain deploy follows', async () => {
    // Prepare
    const { target, deployment } = started();
    const FunctionName = deployment.outputs.BackupFunctionName;
    const live = () => deployment.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName }));
    const overridden = await deploy(target, { overrides: { NamePrefix: PREFIX, CopyConcurrency: '4', FunctionMemoryMb: '1024' }, ...quietly });
    const before = await live();
    // Act
    const plain = await deploy(target, { overrides: { NamePrefix: PREFIX }, ...quietly });
    // Assess
    expect(overridden.action).toBe('updated');
    expect([String(before.Environment?.Variables?.COPY_CONCURRENCY), before.MemorySize]).toEqual(['4', 1024]);
    expect(plain.action).toBe('updated');
    const after = await live();
    expect([String(after.Environment?.Variables?.COPY_CONCURRENCY), after.MemorySize]).toEqual(['8', 512]);
    expect((await deploy(target, { overrides: { NamePrefix: PREFIX }, ...quietly })).action).toBe('unchanged');
  });

  it('refuses an update it cannot carry out once, by name, and rolls the stack back to how it was', async () => {
    // Prepare: a stack of one log group, then an update that adds Tags, which the emulator does not update
    const { clients } = started().deployment;
    const StackName = 'kit-refused-update-it';
    const template = (properties: object) => JSON.stringify({ Resources: { Group: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/kit/refused-update-it', RetentionInDays: 7, ...properties } } } });
    await clients.cloudFormation.send(new CreateStackCommand({ StackName, TemplateBody: template({}) }));
    await waitFor('the create', async () => ((await describeStack(clients.cloudFormation, StackName))?.StackStatus === 'CREATE_COMPLETE' ? true : undefined), { timeoutMs: 10_000 });
    try {
      // Act
      await clients.cloudFormation.send(new UpdateStackCommand({ StackName, TemplateBody: template({ Tags: [{ Key: 'team', Value: 'backup' }] }) }));
      const status = await waitFor('the update to end', async () => {
        const found = (await describeStack(clients.cloudFormation, StackName))?.StackStatus;
        return found?.endsWith('_IN_PROGRESS') ? undefined : found;
      }, { timeoutMs: 10_000 });
      // Assess
      const events = (await clients.cloudFormation.send(new DescribeStackEventsCommand({ StackName }))).StackEvents ?? [];
      const failed = events.filter((event) => event.LogicalResourceId === 'Group' && event.ResourceStatus === 'UPDATE_FAILED');
      // (UPDATE_ROLLBACK_FAILED before the emulator rolled a failed update back, 2026-11-30)
      expect(status).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(failed.map((event) => event.ResourceStatusReason)).toEqual([
        "the embedded emulator updates a log group's RetentionInDays only, not Tags: destroy the stack and deploy again",
      ]);
    } finally {
      await clients.cloudFormation.send(new DeleteStackCommand({ StackName }));
    }
  });

  it("changes the log group's retention in place, keeping the stack's outputs", async () => {
    // Prepare
    const { target, deployment } = started();
    const logGroupNamePrefix = deployment.outputs.LogGroupName;
    const retention = async () => (await deployment.clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix }))).logGroups?.[0]?.retentionInDays;
    const fromParameterFile = await retention();
    // Act
    const overridden = await deploy(target, { overrides: { NamePrefix: PREFIX, LogRetentionDays: '14' }, ...quietly });
    const during = await retention();
    const plain = await deploy(target, { overrides: { NamePrefix: PREFIX }, ...quietly });
    // Assess
    expect([overridden.action, during, overridden.outputs.LogGroupName]).toEqual(['updated', 14, logGroupNamePrefix]);
    expect([plain.action, await retention()]).toEqual(['updated', fromParameterFile]);
    expect(fromParameterFile).not.toBe(14);
  });
});

describe('failed and stuck stacks are reported with how to recover', () => {
  it('a stack in UPDATE_ROLLBACK_FAILED is never "up to date": every verb names the state and the way out', async () => {
    // Prepare
    const { target, deployment } = started();
    // The function's log group deleted outside CloudFormation: an update of its retention fails while it runs, and so
    // does putting it back in the rollback, as on AWS (the reason said "resources not restored" until the emulator rolled
    // back the others). (Object Lock, which the emulator cannot apply, failed so until its change set was refused at
    // creation.)
    await deployment.clients.logs.send(new DeleteLogGroupCommand({ logGroupName: `/aws/lambda/${PREFIX}-backup` }));
    const failedUpdate = deploy(target, { overrides: { NamePrefix: PREFIX, LogRetentionDays: '14' }, ...quietly });
    await expect(failedUpdate).rejects.toThrow(/ended in UPDATE_ROLLBACK_FAILED[\s\S]*to recover: run `make destroy TARGET=embedded` \(it empties the inbox first; the backups are kept\), then `make deploy TARGET=embedded`/);
    // Act
    const redeploy = await deploy(target, { overrides: { NamePrefix: PREFIX }, ...quietly }).catch((error: Error) => error);
    const parameterDir = await mkdtemp(join(tmpdir(), 'backup-kit-params-'));
    const parameterFile = join(parameterDir, 'embedded.json');
    await writeFile(parameterFile, JSON.stringify({ NamePrefix: PREFIX }));
    const required = await requireDeployedStack({ ...target, parameterFile }, deployment.clients).catch((error: Error) => error);
    // The verbs that only read (logs, a reconcile without FIX, a redrive's dry run) still read what the stack has.
    const readable = await requireReadableStack({ ...target, parameterFile }, deployment.clients);
    const changeSet = await deployment.clients.cloudFormation
      .send(new CreateChangeSetCommand({ StackName: PREFIX, ChangeSetName: 'kit-after-failure', ChangeSetType: 'UPDATE', TemplateBody: await readTemplateText(), Parameters: asCfn(deployment.parameters), Capabilities: ['CAPABILITY_IAM'] }))
      .catch((error: Error) => error);
    // Assess
    const recovery = /stack kit-lifecycle-it on embedded is in UPDATE_ROLLBACK_FAILED \(update failed, and its rollback could not put BackupFunctionLogGroup back: ResourceNotFoundException: The specified log group does not exist\.\): run `make destroy TARGET=embedded` \(it empties the inbox first; the backups are kept\), then `make deploy TARGET=embedded`/;
    expect(redeploy).toBeInstanceOf(StackNeedsRecovery);
    expect((redeploy as Error).message).toMatch(recovery);
    expect((changeSet as Error).message).toMatch(/^Stack:arn:aws:cloudformation:us-east-1:123456789012:stack\/kit-lifecycle-it\/\S+ is in UPDATE_ROLLBACK_FAILED state and can not be updated\.$/);
    expect(required).toBeInstanceOf(StackNeedsRecovery);
    expect((required as Error).message).toMatch(recovery);
    expect(readable.trouble).toMatch(recovery);
    expect([readable.outputs.InboxBucketName, readable.outputs.LogGroupName]).toEqual([`${PREFIX}-inbox-123456789012-us-east-1`, `/aws/lambda/${PREFIX}-backup`]);
    await rm(parameterDir, { recursive: true, force: true });
  });

  it('the advised recovery works: destroy, then deploy', async () => {
    // Prepare
    const { target } = started();
    // Act
    await destroy(PREFIX);
    const again = await deploy(target, { overrides: { NamePrefix: PREFIX }, ...quietly });
    // Assess
    expect(again.action).toBe('created');
  });

  it('a delete that fails on a bucket with objects leaves the stack DELETE_FAILED, named, and reported with how to recover', async () => {
    // Prepare
    const { target, deployment } = started();
    const { cloudFormation, s3 } = deployment.clients;
    await s3.send(new PutObjectCommand({ Bucket: `${PREFIX}-inbox-123456789012-us-east-1`, Key: 'kept.txt', Body: 'kept' }));
    await emulatorQuiet(started().emulator);
    // Act
    await cloudFormation.send(new DeleteStackCommand({ StackName: PREFIX }));
    const failed = await waitFor('the delete to end', async () => {
      const described = await describeStack(cloudFormation, PREFIX);
      if (!described) return { StackStatus: 'DELETE_COMPLETE', StackStatusReason: undefined };
      return described.StackStatus?.endsWith('_IN_PROGRESS') ? undefined : described;
    }, { timeoutMs: 30_000 });
    const redeploy = await deploy(target, { overrides: { NamePrefix: PREFIX }, ...quietly }).catch((error: Error) => error);
    // Assess
    expect(failed?.StackStatus).toBe('DELETE_FAILED');
    expect(failed?.StackStatusReason).toMatch(/The bucket you tried to delete is not empty\. You must delete all versions in the bucket\. \(bucket kit-lifecycle-it-inbox-123456789012-us-east-1\)/);
    expect((redeploy as Error).message).toMatch(/stack kit-lifecycle-it on embedded is in DELETE_FAILED .*: run `make destroy TARGET=embedded` \(it empties the inbox first; the backups are kept\), then `make deploy TARGET=embedded`/);
    await destroy(PREFIX);
    expect(await describeStack(cloudFormation, PREFIX)).toBeUndefined();
  });
});

describe('a failed create', () => {
  it('stays describable and deletable, names its cause, and creates nothing when described', async () => {
    // Prepare
    const { target, deployment } = started();
    const { cloudFormation, logs, lambda } = deployment.clients;
    const namePrefix = 'kit-loggroup-it';
    await logs.send(new CreateLogGroupCommand({ logGroupName: `/aws/lambda/${namePrefix}-backup` }));
    const lines: string[] = [];
    // Act
    const attempt = deploy(target, { overrides: { NamePrefix: namePrefix }, log: (line) => lines.push(line) });
    // Assess
    await expect(attempt).rejects.toThrow(
      /ended in ROLLBACK_COMPLETE: The following resource\(s\) failed to create: \[BackupFunctionLogGroup\]\. Rollback requested by user\.\n {2}- BackupFunctionLogGroup \(AWS::Logs::LogGroup\): ResourceAlreadyExistsException: The specified log group already exists[\s\S]*to recover: fix the cause and run `make deploy TARGET=embedded` again \(it replaces the failed stack\)/,
    );
    expect(lines).toContainEqual(expect.stringMatching(/CREATE_FAILED\s+BackupFunction \(AWS::Lambda::Function\)\s+Resource creation cancelled$/));
    const described = await describeStack(cloudFormation, namePrefix);
    expect(described?.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(described?.Outputs ?? []).toEqual([]);
    await expect(lambda.send(new GetFunctionCommand({ FunctionName: `${namePrefix}-backup` }))).rejects.toThrow(/not found/i);
    await deleteStack(cloudFormation, namePrefix, () => undefined, follow());
    expect(await describeStack(cloudFormation, namePrefix)).toBeUndefined();
    await logs.send(new DeleteLogGroupCommand({ logGroupName: `/aws/lambda/${namePrefix}-backup` }));
  });
});

describe("a failed stack of the kit's name", () => {
  it("that someone else's template made is left to its owner: destroy and deploy refuse it, and no verb advises destroying it", async () => {
    // Prepare: another template's stack under the name, left in UPDATE_ROLLBACK_FAILED (its log group deleted by hand,
    // an update of its retention failed, and so did putting it back)
    const { target, deployment } = started();
    const { cloudFormation, logs } = deployment.clients;
    const StackName = 'kit-others-it';
    const others = (days: number) => JSON.stringify({
      Resources: {
        OrdersQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: `${StackName}-orders` } },
        OrdersLog: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/${StackName}/orders`, RetentionInDays: days } },
      },
      Outputs: { OrdersQueueUrl: { Value: { Ref: 'OrdersQueue' } } },
    });
    await cloudFormation.send(new CreateStackCommand({ StackName, TemplateBody: others(7) }));
    await logs.send(new DeleteLogGroupCommand({ logGroupName: `/${StackName}/orders` }));
    await cloudFormation.send(new UpdateStackCommand({ StackName, TemplateBody: others(14) }));
    const overrides = { NamePrefix: StackName };
    // Act
    const destroyed = await tearDown(target, deployment.clients, { deleteBackups: false, overrides, ...quietly }).catch((error: Error) => error);
    const deployed = await deploy(target, { overrides, ...quietly }).catch((error: Error) => error);
    const seen = await requireDeployedStack(target, deployment.clients, overrides).catch((error: Error) => error);
    // Assess
    expect((await describeStack(cloudFormation, StackName))?.StackStatus).toBe('UPDATE_ROLLBACK_FAILED');
    expect(destroyed).toBeInstanceOf(UsageError);
    expect((destroyed as Error).message).toMatch(/^stack kit-others-it on embedded is not one of this kit's .*: destroy leaves it to its owner/);
    expect(deployed).toBeInstanceOf(UsageError);
    expect((deployed as Error).message).toMatch(/^stack kit-others-it on embedded is not one of this kit's /);
    expect(seen).toBeInstanceOf(UsageError);
    expect((seen as Error).message).toMatch(/^stack kit-others-it on embedded is in UPDATE_ROLLBACK_FAILED .*: it is not one of this kit's .*: the kit leaves it to its owner/);
    const sqs = new SQSClient({ region: target.region, endpoint: target.endpoint!, credentials: target.credentials! });
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: `${StackName}-orders` }))).QueueUrl).toBeDefined();
  });

  it("that the kit's template made is deleted by destroy, though its rolled-back create left it no outputs", async () => {
    // Prepare: the kit's create fails on a log group that exists already
    const { target, deployment } = started();
    const { cloudFormation, logs } = deployment.clients;
    const namePrefix = 'kit-failed-create-it';
    await logs.send(new CreateLogGroupCommand({ logGroupName: `/aws/lambda/${namePrefix}-backup` }));
    await deploy(target, { overrides: { NamePrefix: namePrefix }, ...quietly }).catch(() => undefined);
    const failed = await describeStack(cloudFormation, namePrefix);
    // Act
    const teardown = await tearDown(target, deployment.clients, { deleteBackups: true, overrides: { NamePrefix: namePrefix }, ...quietly });
    // Assess
    expect([failed?.StackStatus, failed?.Outputs ?? []]).toEqual(['ROLLBACK_COMPLETE', []]);
    expect(teardown.stackDeleted).toBe(true);
    expect(await describeStack(cloudFormation, namePrefix)).toBeUndefined();
    await logs.send(new DeleteLogGroupCommand({ logGroupName: `/aws/lambda/${namePrefix}-backup` }));
  });
});
