import { DeleteLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { AddPermissionCommand, CreateFunctionCommand, DeleteFunctionCommand, RemovePermissionCommand, GetFunctionConfigurationCommand, InvokeCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import {
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  ListObjectVersionsCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { CreateChangeSetCommand, CreateStackCommand, DescribeChangeSetCommand, DescribeStackEventsCommand, DescribeStacksCommand, ExecuteChangeSetCommand } from '@aws-sdk/client-cloudformation';
import { Upload } from '@aws-sdk/lib-storage';
import { beforeAll, describe, expect, it } from 'vitest';
import { createReceiptProbe } from '../../scripts/lib/receipt-probe.js';
import { functionLogLines, logEvents, waitForBackupOf } from '../../scripts/lib/observe.js';
import { deployStack } from '../../scripts/lib/stack.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { createTestFunction, emulatorFaults, emulatorQuiet, useEmbeddedStack } from './support/embedded.js';
import { zipOfFiles } from './support/zip.js';
import { LogMessage, Outcome } from '../../handler/outcome.js';
import { BackupMetadata } from '../../handler/provenance.js';

const started = useEmbeddedStack({ namePrefix: 'kit-emulator-it' });
const live = () => {
  const stack = started();
  return { ...stack.deployment.clients, outputs: stack.deployment.outputs };
};
const decode = (payload: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(payload));


/** The function's decisions about one key; log lines are written when an invocation ends, so they are waited for. */
async function decisionsAbout(key: string, since: number, expected: number) {
  const { logs, outputs } = live();
  return waitFor(`${expected} backup decision(s) about ${key} in the log group`, async () => {
    const decisions = (await functionLogLines(logs, outputs.LogGroupName, since)).filter((l) => l.message === LogMessage.decision && l.key === key);
    return decisions.length >= expected ? decisions : undefined;
  }, { timeoutMs: 10_000 });
}

/** Uploads into the inbox and waits until the backup holds that version; returns the version id. */
async function uploadAndBackUp(key: string, body: string): Promise<string> {
  const { s3, outputs } = live();
  const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: body }));
  await waitForBackupOf(s3, outputs.BackupBucketName, key, put.VersionId!, 10_000);
  return put.VersionId!;
}

/** Creates a nodejs22.x function from source, with the stack function's role. */
async function createFunction(FunctionName: string, source: string, options: { Timeout: number; Variables?: Record<string, string> }): Promise<void> {
  await createTestFunction(started(), FunctionName, { 'index.mjs': source }, { timeout: options.Timeout, variables: options.Variables ?? {} });
}

describe('CloudFormation fidelity', () => {
  it('applies versioning, public access block, ownership and the notification from the template', async () => {
    // Prepare
    const { s3, outputs } = live();
    const Bucket = outputs.InboxBucketName;
    // Act
    const [versioning, block, ownership, notification] = await Promise.all([
      s3.send(new GetBucketVersioningCommand({ Bucket })),
      s3.send(new GetPublicAccessBlockCommand({ Bucket })),
      s3.send(new GetBucketOwnershipControlsCommand({ Bucket })),
      s3.send(new GetBucketNotificationConfigurationCommand({ Bucket })),
    ]);
    // Assess
    expect(versioning.Status).toBe('Enabled');
    expect(block.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    expect(ownership.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    expect(notification.LambdaFunctionConfigurations).toEqual([
      expect.objectContaining({ LambdaFunctionArn: outputs.BackupFunctionArn, Events: ['s3:ObjectCreated:*'] }),
    ]);
  });

  it('backs up a key holding a line feed, which S3 takes, and the function reads and copies as any other', async () => {
    // Prepare
    const key = `docs/line\nfeed ${Date.now()}.txt`;
    // Act
    const versionId = await uploadAndBackUp(key, 'a name over two lines');
    // Assess
    const { s3, outputs } = live();
    const backup = await s3.send(new GetObjectCommand({ Bucket: outputs.BackupBucketName, Key: key }));
    expect(await backup.Body?.transformToString()).toBe('a name over two lines');
    expect(backup.Metadata?.['source-version-id']).toBe(versionId);
  });

  it("gives the function's variables from Number parameters as strings, as CloudFormation's Ref does", async () => {
    // Prepare: the raw JSON, as a client that checks types less than the SDK reads it
    const { outputs } = live();
    const { endpoint } = started().target;
    // Act
    const response = await fetch(`${endpoint}/2015-03-31/functions/${outputs.BackupFunctionName}/configuration`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=test/20261130/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0' },
    });
    const variables = ((await response.json()) as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
    // Assess
    expect(Object.entries(variables).filter(([, value]) => typeof value !== 'string')).toEqual([]);
    expect(variables.COPY_CONCURRENCY).toMatch(/^\d+$/);
  });

  it("creates the alarm that tells the owner of a parked event, on the failed-events queue's depth, notifying the receipts topic", async () => {
    // Prepare: CloudWatch's query API, which moto routes by the signature's service
    const { endpoint, region } = started().target;
    const { outputs } = live();
    // Act
    const response = await fetch(endpoint!, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `AWS4-HMAC-SHA256 Credential=test/20261129/${region}/monitoring/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: 'Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=kit-emulator-it-parked-events',
    });
    const xml = await response.text();
    // Assess
    expect(response.status).toBe(200);
    expect(xml).toContain('<AlarmName>kit-emulator-it-parked-events</AlarmName>');
    expect(xml).toContain('<MetricName>ApproximateNumberOfMessagesVisible</MetricName>');
    expect(xml).toMatch(/<Name>QueueName<\/Name>\s*<Value>kit-emulator-it-failed-events<\/Value>/);
    expect(xml).toContain(`<member>${outputs.ReceiptTopicArn}</member>`);
  });

  it('reports the deploy as an identical artefact with no drift', () => {
    // Assess
    expect(started().lines).toContainEqual(expect.stringContaining('identical artefact: yes'));
    expect(started().deployment.drift.filter((check) => check.status !== 'ok')).toEqual([]);
  });

  it('rolls back a change set that creates its stack and fails, deleting what it created, as CreateStack does', async () => {
    // Prepare: a queue it can create and a trail it cannot (as aws cloudformation deploy would send them)
    const { cloudFormation, sqs } = live();
    const QueueName = `kit-changeset-${Date.now()}`;
    const TemplateBody = JSON.stringify({
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName } },
        Trail: { Type: 'AWS::CloudTrail::Trail', DependsOn: 'Queue', Properties: { IsLogging: true, S3BucketName: 'nowhere' } },
      },
    });
    const StackName = 'kit-changeset-create-it';
    await cloudFormation.send(new CreateChangeSetCommand({ StackName, ChangeSetName: 'first', ChangeSetType: 'CREATE', TemplateBody }));
    await waitFor('the change set', async () => ((await cloudFormation.send(new DescribeChangeSetCommand({ StackName, ChangeSetName: 'first' }))).Status === 'CREATE_COMPLETE' ? true : undefined), { timeoutMs: 10_000, intervalMs: 100 });
    // Act
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: 'first' }));
    const status = await waitFor('the stack to settle', async () => {
      const stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0];
      return stack?.StackStatus?.endsWith('_IN_PROGRESS') ? undefined : stack?.StackStatus;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    // Assess
    expect(status).toBe('ROLLBACK_COMPLETE');
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName }))).rejects.toThrow();
  });

  it('fails a function whose properties it would not honour, naming them, instead of ignoring them', async () => {
    // Prepare: reserved concurrency 0 throttles every invocation on AWS; a layer adds code to /opt
    const { cloudFormation } = live();
    const StackName = 'kit-function-properties-it';
    const TemplateBody = JSON.stringify({
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Runtime: 'nodejs22.x',
            Handler: 'index.handler',
            Role: 'arn:aws:iam::123456789012:role/kit-function-properties-it',
            Code: { ZipFile: 'exports.handler = async () => 1;' },
            ReservedConcurrentExecutions: 0,
            Layers: ['arn:aws:lambda:us-east-1:123456789012:layer:kit:1'],
          },
        },
      },
    });
    // Act
    await cloudFormation.send(new CreateStackCommand({ StackName, TemplateBody }));
    const status = await waitFor('the stack to settle', async () => {
      const stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0];
      return stack?.StackStatus?.endsWith('_IN_PROGRESS') ? undefined : stack?.StackStatus;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    // Assess
    const events = (await cloudFormation.send(new DescribeStackEventsCommand({ StackName }))).StackEvents ?? [];
    expect(status).toBe('ROLLBACK_COMPLETE');
    expect(events.filter((event) => event.ResourceStatus === 'CREATE_FAILED').map((event) => event.ResourceStatusReason)).toEqual([
      'AWS::Lambda::Function properties not emulated by the embedded emulator: Layers, ReservedConcurrentExecutions',
    ]);
  });

  it('refuses a function configuration Lambda refuses: reserved variables, more than 4 KB of them, a timeout or memory out of range', async () => {
    // Prepare
    const refusal = (creation: Promise<unknown>) =>
      creation.then(
        () => 'created',
        (error: Error & { $metadata?: { httpStatusCode?: number } }) => `${error.$metadata?.httpStatusCode} ${error.name}: ${error.message}`,
      );
    const create = (name: string, options: { timeout?: number; memory?: number; variables?: Record<string, string> }) =>
      refusal(createTestFunction(started(), name, { 'index.mjs': 'export const handler = async () => 1;' }, options));
    // Act
    const reserved = await create('kit-reserved-variables', { variables: { AWS_REGION: 'eu-west-1', GREETING: 'hi', _HANDLER: 'x.y' } });
    const oversized = await create('kit-oversized-variables', { variables: { FILLER: 'x'.repeat(4096) } });
    const tooLong = await create('kit-too-long', { timeout: 901 });
    const tooSmall = await create('kit-too-small', { memory: 64 });
    const fine = await create('kit-fine-variables', { variables: { FILLER: 'x'.repeat(4000) }, timeout: 900 });
    const update = await refusal(live().lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'kit-fine-variables', Environment: { Variables: { AWS_ACCESS_KEY_ID: 'AKIA' } } })));
    // Assess
    expect(reserved).toBe(
      '400 InvalidParameterValueException: Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION, _HANDLER',
    );
    expect(oversized).toMatch(/^400 InvalidParameterValueException: Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit\. String measured: \{"FILLER":"x+"\}$/);
    expect(tooLong).toBe("400 ValidationException: 1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900");
    expect(tooSmall).toBe("400 ValidationException: 1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128");
    expect(fine).toBe('created');
    expect(update).toMatch(/^400 InvalidParameterValueException: .*Reserved keys used in this request: AWS_ACCESS_KEY_ID$/);
  });

  it('refuses code that is not a zip, as Lambda does, on create and on update, keeping the code in force', async () => {
    // Prepare
    const refusal = (request: Promise<unknown>) => request.then(() => 'done', (error: Error & { $metadata?: { httpStatusCode?: number } }) => `${error.$metadata?.httpStatusCode} ${error.name}: ${error.message}`);
    const { lambda } = live();
    const Role = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: live().outputs.BackupFunctionName }))).Role;
    const notAZip = new TextEncoder().encode('this is not a zip file');
    await createTestFunction(started(), 'kit-zip-kept', { 'index.mjs': 'export const handler = async () => "the code in force";' });
    // Act
    const created = await refusal(lambda.send(new CreateFunctionCommand({ FunctionName: 'kit-not-a-zip', Runtime: 'nodejs22.x', Handler: 'index.handler', Role, Code: { ZipFile: notAZip } })));
    const updated = await refusal(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'kit-zip-kept', ZipFile: notAZip })));
    const answer = await lambda.send(new InvokeCommand({ FunctionName: 'kit-zip-kept' }));
    // Assess
    const unzippable = '400 InvalidParameterValueException: Could not unzip uploaded file. Please check your file, then try to upload again.';
    expect([created, updated]).toEqual([unzippable, unzippable]);
    expect(await refusal(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'kit-not-a-zip' })))).toMatch(/^404 ResourceNotFoundException/);
    expect(decode(answer.Payload)).toBe('the code in force');
  });

  it('refuses to create or update a function on a Node.js runtime Lambda no longer takes for that (nodejs20.x and older)', async () => {
    // Prepare
    const refusal = (request: Promise<unknown>) => request.then(() => 'done', (error: Error & { $metadata?: { httpStatusCode?: number } }) => `${error.$metadata?.httpStatusCode} ${error.name}: ${error.message}`);
    const files = { 'index.mjs': 'export const handler = async () => 1;' };
    // Act
    const [node20, node18, node22] = await Promise.all(
      (['nodejs20.x', 'nodejs18.x', 'nodejs22.x'] as const).map((runtime) => refusal(createTestFunction(started(), `kit-runtime-${runtime.replace('.', '-')}`, files, { runtime }))),
    );
    const update = await refusal(live().lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'kit-runtime-nodejs22-x', Runtime: 'nodejs20.x' })));
    // Assess
    expect([node20, node18, update]).toEqual(
      ['nodejs20.x', 'nodejs18.x', 'nodejs20.x'].map(
        (runtime) => `400 InvalidParameterValueException: The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`,
      ),
    );
    expect(node22).toBe('done');
  });

  it('refuses a LoggingConfig, which its runtime does not honour, instead of taking it and logging as before', async () => {
    // Prepare
    const { lambda } = live();
    const Role = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: live().outputs.BackupFunctionName }))).Role;
    const Code = { ZipFile: await zipOfFiles({ 'index.mjs': 'export const handler = async () => 1;' }) };
    // Act
    const created = lambda
      .send(new CreateFunctionCommand({ FunctionName: 'kit-json-logs', Runtime: 'nodejs22.x', Handler: 'index.handler', Role, Code, LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'WARN' } }))
      .then(() => 'created', (error: Error) => `${error.name}: ${error.message}`);
    // Assess
    expect(await created).toBe(
      'InvalidParameterValueException: LoggingConfig is not emulated by the embedded emulator: its functions log text lines into /aws/lambda/<function>, whatever the format, levels or log group asked; leave LoggingConfig out here',
    );
  });

  it('updates a stack whose Conditions read a pseudo parameter or a mapping, which the update does not change', async () => {
    // Prepare: a queue that exists only in us-east-1, and another whose name a parameter changes
    const { cloudFormation } = live();
    const templateBody = JSON.stringify({
      Parameters: { Suffix: { Type: 'String' } },
      Mappings: { Sizes: { 'us-east-1': { Big: 'yes' } } },
      Conditions: {
        InUsEast1: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] },
        // One the emulator cannot evaluate in an update: it reads no parameter that changes, so it is not asked to.
        Big: { 'Fn::Equals': [{ 'Fn::FindInMap': ['Sizes', { Ref: 'AWS::Region' }, 'Big'] }, 'yes'] },
      },
      Resources: {
        Regional: { Type: 'AWS::SQS::Queue', Condition: 'InUsEast1' },
        Large: { Type: 'AWS::SQS::Queue', Condition: 'Big' },
        Named: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::Sub': 'kit-condition-${Suffix}' } } },
      },
    });
    const deployWith = (Suffix: string) =>
      deployStack(cloudFormation, { stackName: 'kit-condition-it', templateBody, parameters: { Suffix }, log: () => undefined, timeoutMs: 60_000, intervalMs: 200 });
    await deployWith('one');
    // Act
    const updated = await deployWith('two').then((result) => result.action, (error: Error) => error.message);
    // Assess
    expect(updated).toBe('updated');
  });
});

describe('S3 events and the function', () => {
  it('backs up an upload asynchronously: PutObject returns before the function runs', async () => {
    // Prepare
    const { s3, logs, outputs } = live();
    const key = `async/${Date.now()} é+%.txt`;
    const since = Date.now() - 1_000;
    // Act
    const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: 'hello' }));
    const returnedAt = Date.now();
    const backup = await waitForBackupOf(s3, outputs.BackupBucketName, key, put.VersionId!, 10_000);
    // Assess
    expect(backup.ServerSideEncryption).toBe('AES256');
    const decision = await waitFor('the decision log line', async () => {
      const lines = await functionLogLines(logs, outputs.LogGroupName, since);
      return lines.find((line) => line.message === LogMessage.decision && line.key === key);
    }, { timeoutMs: 5_000 });
    expect(decision.outcome).toBe(Outcome.copied);
    expect(Date.parse(String(decision.timestamp))).toBeGreaterThanOrEqual(returnedAt - 5);
  });

  it('backs up an upload whose CopyObject S3 would refuse for more than 8 KB of headers, copying it in parts', async () => {
    // Prepare: a name of 994 bytes (nine characters each once URL-encoded in the copy's source) and 1.7 KB of metadata,
    // which leaves room for the provenance
    const { s3, outputs } = live();
    const key = `${'報告書'.repeat(110)}.pdf`;
    const Metadata = Object.fromEntries(Array.from({ length: 7 }, (_, index) => [`field${index}`, 'v'.repeat(240)]));
    const ContentDisposition = `attachment; filename*=UTF-8''${encodeURIComponent(key)}`;
    // Act
    const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: 'a report', Metadata, ContentDisposition }));
    const backup = await waitForBackupOf(s3, outputs.BackupBucketName, key, put.VersionId!, 10_000);
    // Assess
    expect(backup.Metadata).toMatchObject({ ...Metadata, [BackupMetadata.sourceVersionId]: put.VersionId });
    expect([backup.ContentDisposition, backup.ETag?.endsWith('-1"')]).toEqual([ContentDisposition, true]);
  });

  it('backs up an empty upload whose CopyObject S3 would refuse for more than 8 KB of headers, with a PutObject of no bytes', async () => {
    // Prepare: as above, but empty: there is no byte range to copy in a part (it failed every attempt and was parked)
    const { s3, outputs } = live();
    const key = `${'空の報告'.repeat(82)}.pdf`;
    const Metadata = Object.fromEntries(Array.from({ length: 7 }, (_, index) => [`field${index}`, 'v'.repeat(240)]));
    const ContentDisposition = `attachment; filename*=UTF-8''${encodeURIComponent(key)}`;
    // Act
    const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: '', Metadata, ContentDisposition, Tagging: 'kind=empty' }));
    const backup = await waitForBackupOf(s3, outputs.BackupBucketName, key, put.VersionId!, 10_000);
    // Assess
    expect(backup.Metadata).toMatchObject({ ...Metadata, [BackupMetadata.sourceVersionId]: put.VersionId });
    expect([backup.ContentLength, backup.ContentDisposition, backup.ServerSideEncryption, backup.TagCount]).toEqual([0, ContentDisposition, 'AES256', 1]);
  });

  it('keeps a non-ASCII metadata value that fits beside the provenance as S3 stores it, though not as S3 returns it', async () => {
    // Prepare: "note" and 898 'é' are 1,800 bytes as stored, 2,412 RFC 2047-encoded as S3 returns them (and as sent)
    const { s3, outputs } = live();
    const key = `accented/${Date.now()}.txt`;
    const Metadata = { note: `=?UTF-8?B?${Buffer.from('é'.repeat(898)).toString('base64')}?=` };
    // Act
    const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: 'accented', Metadata }));
    const backup = await waitForBackupOf(s3, outputs.BackupBucketName, key, put.VersionId!, 10_000);
    // Assess
    expect(backup.Metadata).toMatchObject({ ...Metadata, [BackupMetadata.sourceVersionId]: put.VersionId });
  });

  it('backs up an empty version whose copy, with its non-ASCII metadata fitted as stored, would pass 8 KB of headers, keeping that metadata', async () => {
    // Prepare: a name of 1 KB (3 KB URL-encoded in the copy's source and in the disposition) and 1,844 bytes of
    // metadata as stored (2,472 as sent); an empty version has no copy in parts to take over, and is put with no bytes
    const { s3, outputs } = live();
    const key = `${'報'.repeat(330)}-${Date.now()}`;
    const ContentDisposition = `attachment; filename*=UTF-8''${encodeURIComponent(key)}`;
    const Metadata = { note: `=?UTF-8?B?${Buffer.from('é'.repeat(920)).toString('base64')}?=` };
    // Act
    const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: new Uint8Array(0), ContentDisposition, Metadata }));
    const backup = await waitForBackupOf(s3, outputs.BackupBucketName, key, put.VersionId!, 10_000);
    // Assess: the PutObject names no copy source, so the metadata the upload carried fits as it did there (a copy fitted
    // by the bytes as sent left the note off)
    expect([backup.ContentLength, backup.ContentDisposition, backup.Metadata?.note]).toEqual([0, ContentDisposition, Metadata.note]);
  });

  it('carries an Expires header that is not a date, as written, to the backup', async () => {
    // Prepare: `Expires: 0` (already expired), which the SDK reads only as ExpiresString
    const { s3, outputs } = live();
    const key = `expires/${Date.now()}.html`;
    const put = new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: '<p>stale at once</p>' });
    put.middlewareStack.add((next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers.expires = '0';
      return next(args);
    }, { step: 'build' });
    // Act
    const { VersionId } = await s3.send(put);
    const backup = await waitForBackupOf(s3, outputs.BackupBucketName, key, VersionId!, 10_000);
    // Assess
    expect([backup.Expires, backup.ExpiresString]).toEqual([undefined, '0']);
  });

  it('puts START, the function lines, END and REPORT of each request into the log group', async () => {
    // Prepare
    const { logs, outputs } = live();
    const key = `logs/${Date.now()}.txt`;
    const since = Date.now() - 1_000;
    await uploadAndBackUp(key, 'x');
    // Act
    const messages = await waitFor('a REPORT line', async () => {
      const events = (await logEvents(logs, outputs.LogGroupName, since)).map((e) => e.message ?? '');
      return events.some((m) => m.startsWith('REPORT RequestId:')) ? events : undefined;
    }, { timeoutMs: 5_000 });
    // Assess
    const requestId = /^START RequestId: (\S+)/.exec(messages.find((m) => m.startsWith('START')) ?? '')?.[1];
    expect(requestId).toBeDefined();
    expect(messages).toContainEqual(expect.stringMatching(new RegExp(`^END RequestId: ${requestId}`)));
    expect(messages).toContainEqual(expect.stringMatching(new RegExp(`^REPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms`)));
    expect(messages.some((m) => m.includes(`"function_request_id":"${requestId}"`))).toBe(true);
  });

  it('carries versionId and a growing sequencer in the events of a rewritten key', async () => {
    // Prepare
    const key = `rewrite/${Date.now()}.txt`;
    const since = Date.now() - 1_000;
    // Act
    const first = await uploadAndBackUp(key, 'one');
    // The first event's invocation ends before the rewrite: its look at the inbox after the copy, late on a loaded
    // machine, would find the rewrite and copy it too, with the first event's version in its decision.
    await emulatorQuiet(started().emulator);
    const second = await uploadAndBackUp(key, 'two');
    // Assess
    const decisions = await decisionsAbout(key, since, 2);
    expect(decisions.map((d) => d.eventVersionId)).toEqual([first, second]);
    expect(first).not.toBe(second);
    const [s1, s2] = decisions.map((d) => String(d.sequencer));
    expect(s1 && s2 && s2 > s1 && s2.length === s1.length).toBe(true);
  });

  it('fires exactly one event for a completed multipart upload', async () => {
    // Prepare
    const { s3, outputs } = live();
    const key = `multipart/${Date.now()}.bin`;
    const since = Date.now() - 1_000;
    const upload = new Upload({ client: s3, params: { Bucket: outputs.InboxBucketName, Key: key, Body: Buffer.alloc(11 * 1024 * 1024, 7) }, partSize: 5 * 1024 * 1024 });
    // Act
    const done = await upload.done();
    await waitForBackupOf(s3, outputs.BackupBucketName, key, done.VersionId!, 15_000);
    await emulatorQuiet(started().emulator);
    // Assess
    const decisions = await decisionsAbout(key, since, 1);
    expect(decisions.map((d) => d.outcome)).toEqual([Outcome.copied]);
  });
});

describe('S3 event destinations besides the function', () => {
  const faults = (method: 'PUT' | 'GET' | 'DELETE', settings?: object) => emulatorFaults(started().emulator, method, settings);

  it('drops, and counts as dropped, only events that had somewhere to go', async () => {
    // Prepare: every event is lost; one upload goes where no notification points, one into the inbox
    const { s3, outputs } = live();
    await faults('PUT', { dropEvents: 1 });
    try {
      // Act
      await s3.send(new PutObjectCommand({ Bucket: outputs.BackupBucketName, Key: `no-destination/${Date.now()}.txt`, Body: 'x' }));
      await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: `dropped/${Date.now()}.txt`, Body: 'y' }));
      // Assess
      const { counts } = await faults('GET');
      expect(counts.dropped_events).toBe(1);
    } finally {
      await faults('DELETE');
    }
  });

  it("refuses a notification to a function whose policy does not let S3 invoke it for the bucket, and stops deliveries when the permission goes", async () => {
    // Prepare: a function, and a bucket template that notifies it
    const { cloudFormation, lambda, s3 } = live();
    const FunctionName = `kit-permission-${Date.now()}`;
    const created = await createTestFunction(started(), FunctionName, { 'index.mjs': 'export const handler = async () => "ran";' });
    const bucket = `kit-permission-${Date.now()}`;
    const templateBody = JSON.stringify({
      Resources: {
        Bucket: {
          Type: 'AWS::S3::Bucket',
          Properties: { BucketName: bucket, NotificationConfiguration: { LambdaConfigurations: [{ Event: 's3:ObjectCreated:*', Function: created.FunctionArn }] } },
        },
      },
    });
    const deployBucket = (stackName: string) => deployStack(cloudFormation, { stackName, templateBody, parameters: {}, log: () => undefined, timeoutMs: 60_000, intervalMs: 200 });
    const otherBucket = { Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::another-bucket' };
    await lambda.send(new AddPermissionCommand({ FunctionName, StatementId: 'another-bucket', ...otherBucket }));
    // Act
    const refused = await deployBucket('kit-permission-refused-it').then(() => 'deployed', (error: Error) => error.message);
    await lambda.send(new AddPermissionCommand({ FunctionName, StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: `arn:aws:s3:::${bucket}` }));
    const accepted = await deployBucket('kit-permission-it').then(() => 'deployed', (error: Error) => error.message);
    await lambda.send(new RemovePermissionCommand({ FunctionName, StatementId: 's3' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'after-removal.txt', Body: 'x' }));
    await emulatorQuiet(started().emulator);
    const putWithout = await s3
      .send(new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: created.FunctionArn, Events: ['s3:ObjectCreated:*'] }] },
      }))
      .then(() => 'accepted', (error: { name: string; message: string; $metadata: { httpStatusCode?: number } }) => [error.name, error.$metadata.httpStatusCode, error.message]);
    // Assess
    expect(refused).toMatch(new RegExp(`Unable to validate the following destination configurations: ${created.FunctionArn} \\(its policy does not allow s3\\.amazonaws\\.com to invoke it for bucket ${bucket}`));
    expect(putWithout).toEqual(['InvalidArgument', 400, 'Unable to validate the following destination configurations']);
    expect(accepted).toBe('deployed');
    expect(await started().emulator.log()).toContain(`[s3-events] cannot deliver to ${created.FunctionArn}: its policy does not allow s3.amazonaws.com to invoke it for bucket ${bucket}`);
  });

  it('sends an EventBridge-enabled bucket\'s events to EventBridge, whose rule delivers them', async () => {
    // Prepare: a bucket with EventBridge notifications and a rule that sends its Object Created events to a queue
    const { cloudFormation, s3, sqs } = live();
    const bucket = `kit-eventbridge-${Date.now()}`;
    const templateBody = JSON.stringify({
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue' },
        Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: bucket, NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } } },
        Rule: {
          Type: 'AWS::Events::Rule',
          Properties: { EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'] }, Targets: [{ Id: 'queue', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } }] },
        },
      },
      Outputs: { QueueUrl: { Value: { Ref: 'Queue' } } },
    });
    const stack = await deployStack(cloudFormation, { stackName: 'kit-eventbridge-it', templateBody, parameters: {}, log: () => undefined, timeoutMs: 60_000, intervalMs: 200 });
    // Act
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sent.txt', Body: 'z' }));
    // Assess
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.outputs.QueueUrl, WaitTimeSeconds: 5 }));
    const event = JSON.parse(received.Messages?.[0]?.Body ?? '{}') as { source?: string; 'detail-type'?: string; detail?: { object?: { key?: string } } };
    expect([event.source, event['detail-type'], event.detail?.object?.key]).toEqual(['aws.s3', 'Object Created', 'sent.txt']);
  });
});

describe('the backup rules under concurrency', () => {
  it('leaves the backup equal to the inbox after a burst of rewrites of one key', async () => {
    // Prepare
    const { s3, outputs } = live();
    const key = `burst/${Date.now()}.txt`;
    // Act: concurrent invocations for one key race each other in the emulator's async workers.
    await Promise.all(Array.from({ length: 15 }, (_, i) => s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: `rewrite ${i}` }))));
    await emulatorQuiet(started().emulator);
    // Assess
    const inbox = await s3.send(new GetObjectCommand({ Bucket: outputs.InboxBucketName, Key: key }));
    const backup = await s3.send(new GetObjectCommand({ Bucket: outputs.BackupBucketName, Key: key }));
    expect(backup.Metadata?.[BackupMetadata.sourceVersionId]).toBe(inbox.VersionId);
    expect(await backup.Body?.transformToString()).toBe(await inbox.Body?.transformToString());
  });
});

describe('asynchronous invocation', () => {
  it('retries a failing event with the same request id, then parks it in the failed-events queue in AWS record shape', async () => {
    // Prepare
    const { lambda, sqs, outputs } = live();
    const FunctionName = outputs.BackupFunctionName;
    const before = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }));
    const variables = { ...before.Environment?.Variables };
    delete variables.TOPIC_ARN;
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables: variables } }));
    const event = { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: outputs.InboxBucketName }, object: { key: 'never.txt' } } }] };
    const since = Date.now() - 1_000;
    try {
      // Act
      const invoked = await lambda.send(new InvokeCommand({ FunctionName, InvocationType: 'Event', Payload: JSON.stringify(event) }));
      const parked = await waitFor('a message in the failed-events queue', async () => {
        const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: outputs.FailedEventsQueueUrl, WaitTimeSeconds: 1 }));
        return received.Messages?.[0];
      }, { timeoutMs: 20_000 });
      // Assess
      expect(invoked.StatusCode).toBe(202);
      const record = JSON.parse(parked.Body ?? '{}');
      expect(record.requestContext).toEqual(expect.objectContaining({ condition: 'RetriesExhausted', approximateInvokeCount: 3, functionArn: `${outputs.BackupFunctionArn}:$LATEST` }));
      expect(record.requestPayload).toEqual(event);
      expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
      expect(record.responsePayload.errorMessage).toContain('TOPIC_ARN: is not set');
      const starts = (await logEvents(live().logs, outputs.LogGroupName, since)).map((e) => /^START RequestId: (\S+)/.exec(e.message ?? '')?.[1]).filter(Boolean);
      // Other tests' invocations share the log group: count the attempts that ran under the record's id.
      expect(starts.filter((id) => id === record.requestContext.requestId)).toHaveLength(3);
    } finally {
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables: before.Environment?.Variables } }));
    }
  });
});

describe('the Node.js executor', () => {
  const probeSource = `
let invocations = 0;
export const handler = async (event, context) => {
  invocations += 1;
  if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  if (event.crash) process.exit(3);
  if (event.fail) throw new TypeError('asked to fail');
  console.log('probe says hi');
  return { invocations, greeting: process.env.GREETING, remaining: context.getRemainingTimeInMillis() };
};`;
  const probeName = 'kit-executor-probe';

  beforeAll(async () => {
    await createFunction(probeName, probeSource, { Timeout: 1, Variables: { GREETING: 'hello' } });
  });

  const invoke = (payload: object) => live().lambda.send(new InvokeCommand({ FunctionName: probeName, Payload: JSON.stringify(payload), LogType: 'Tail' }));

  it('keeps the execution environment warm between invocations', async () => {
    // Act
    const first = decode((await invoke({})).Payload);
    const second = decode((await invoke({})).Payload);
    // Assess
    expect(second.invocations).toBe(first.invocations + 1);
    expect(first.remaining).toBeGreaterThan(0);
  });

  it('reports a thrown error as an unhandled function error, with the log tail', async () => {
    // Act
    const response = await invoke({ fail: true });
    // Assess
    expect(response.FunctionError).toBe('Unhandled');
    expect(decode(response.Payload)).toEqual(expect.objectContaining({ errorType: 'TypeError', errorMessage: 'asked to fail' }));
    expect(Buffer.from(response.LogResult ?? '', 'base64').toString()).toMatch(/Invoke Error/);
  });

  it('enforces the timeout and starts a fresh environment afterwards', async () => {
    // Act
    const timedOut = await invoke({ sleepMs: 3_000 });
    const after = decode((await invoke({})).Payload);
    // Assess
    expect(timedOut.FunctionError).toBe('Unhandled');
    expect(decode(timedOut.Payload).errorMessage).toMatch(/Task timed out after 1.00 seconds/);
    expect(after.invocations).toBe(1);
  });

  it('replaces a crashed environment', async () => {
    // Act
    const crashed = await invoke({ crash: true });
    const after = decode((await invoke({})).Payload);
    // Assess
    expect(crashed.FunctionError).toBe('Unhandled');
    expect(decode(crashed.Payload).errorMessage).toMatch(/^RequestId: \S+ Error: Runtime exited with error: exit status 3$/);
    expect(after.invocations).toBe(1);
  });

  it('applies a configuration change on the next invocation', async () => {
    // Prepare
    await live().lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: probeName, Environment: { Variables: { GREETING: 'changed' } } }));
    // Act
    const result = decode((await invoke({})).Payload);
    // Assess
    expect(result.greeting).toBe('changed');
  });
});

describe('warm environments', () => {
  /** A function whose init takes 400 ms and that counts its environment's invocations, warmed once. */
  async function slowInitProbe(FunctionName: string): Promise<(payload: object) => Promise<InvokeCommandOutput>> {
    await createFunction(FunctionName, `
await new Promise((resolve) => setTimeout(resolve, 400));
let invocations = 0;
export const handler = async (event) => {
  invocations += 1;
  if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  return { invocations };
};`, { Timeout: 5 });
    const invoke = (payload: object) => live().lambda.send(new InvokeCommand({ FunctionName, Payload: JSON.stringify(payload) }));
    await invoke({});
    return invoke;
  }

  it('lets an invocation wait for a busy environment, for as long as a cold start took, instead of starting another', async () => {
    // Prepare
    const invoke = await slowInitProbe('kit-slow-init-probe');
    // Act: a second event arrives while the only environment is busy for another 150 ms
    const busy = invoke({ sleepMs: 200 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const behind = decode((await invoke({})).Payload);
    await busy;
    // Assess: the same environment served it (a new one would count its first invocation)
    expect(behind.invocations).toBe(3);
  });

  it('lets only one invocation wait for each busy environment: the others start their own at once, as Lambda scales', async () => {
    // Prepare
    const invoke = await slowInitProbe('kit-slow-init-probe-2');
    // Act: two events arrive together while the only environment is busy
    const busy = invoke({ sleepMs: 300 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const behind = await Promise.all([invoke({}), invoke({})]);
    await busy;
    // Assess: one was served by the busy environment once free (its third invocation), the other by a new one
    expect(behind.map((response) => decode(response.Payload).invocations).sort((a, b) => a - b)).toEqual([1, 3]);
  });
});

describe('a deleted function', () => {
  it('does not run its queued retries and never re-creates its log group', async () => {
    // Prepare
    const { lambda, logs } = live();
    const FunctionName = 'kit-deleted-probe';
    const logGroupName = `/aws/lambda/${FunctionName}`;
    await createFunction(FunctionName, `export const handler = async () => {
  await new Promise((resolve) => setTimeout(resolve, 600));
  throw new Error('fails, to be retried');
};`, { Timeout: 5 });
    const logGroups = async () => (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroupName }))).logGroups ?? [];
    // Act: delete it as a stack delete does while its first attempt runs, then give its retries time to come.
    await lambda.send(new InvokeCommand({ FunctionName, InvocationType: 'Event', Payload: '{}' }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await lambda.send(new DeleteFunctionCommand({ FunctionName }));
    if ((await logGroups()).length > 0) await logs.send(new DeleteLogGroupCommand({ logGroupName }));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // Assess
    expect(await logGroups()).toEqual([]);
    const log = await started().emulator.log();
    expect(log).toContain(`[lambda] ${FunctionName}`);
    expect(log).toMatch(new RegExp(`\\[lambda-async\\] ${FunctionName}: event \\S+ dropped after 1 attempts: the function was deleted`));
  });
});

describe("S3's at-least-once, unordered delivery, on request", () => {
  const faults = (method: 'PUT' | 'GET' | 'DELETE', settings?: object) => emulatorFaults(started().emulator, method, settings);
  const backupVersionsOf = async (key: string) => {
    const { s3, outputs } = live();
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: outputs.BackupBucketName, Prefix: key }));
    return (listed.Versions ?? []).filter((version) => version.Key === key);
  };

  it('delivers an event twice, each delivery a request of its own, and the function copies once and sends one receipt', async () => {
    // Prepare
    const clients = live();
    const probe = await createReceiptProbe(clients, clients.outputs.ReceiptTopicArn, `kit-it-twice-${Date.now()}`);
    const key = `twice/${Date.now()}.txt`;
    const since = Date.now();
    await faults('PUT', { duplicateEvents: 1 });
    try {
      // Act
      await clients.s3.send(new PutObjectCommand({ Bucket: clients.outputs.InboxBucketName, Key: key, Body: 'delivered twice' }));
      const { counts } = await faults('GET');
      await faults('DELETE');
      await emulatorQuiet(started().emulator);
      // Assess
      const decisions = await decisionsAbout(key, since, 2);
      expect(counts.duplicated_events).toBe(1);
      expect(decisions.map((decision) => decision.outcome).sort()).toEqual([Outcome.copied, Outcome.skipCopy].sort());
      expect(new Set(decisions.map((decision) => decision.function_request_id)).size).toBe(2);
      expect(await backupVersionsOf(key)).toHaveLength(1);
      expect(await probe.receiptsFor(key, 1_000)).toHaveLength(1);
    } finally {
      await faults('DELETE');
      await probe.dispose();
    }
  });

  it("delivers an event late, after a newer version's, which the function backs up and the late event does not overwrite", async () => {
    // Prepare: the first version's event comes 1.5 s late; the second's at once
    const { s3, outputs } = live();
    const key = `late/${Date.now()}.txt`;
    const since = Date.now();
    await faults('PUT', { delayEvents: { share: 1, ms: 1_500 } });
    let newer: string | undefined;
    try {
      // Act
      await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: 'first' }));
      const { counts } = await faults('DELETE');
      newer = (await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: 'second' }))).VersionId;
      await emulatorQuiet(started().emulator);
      // Assess: the late event found its key backed up at a newer version than its own, and left it
      const decisions = await decisionsAbout(key, since, 2);
      expect(counts.delayed_events).toBe(1);
      expect(decisions.map((decision) => decision.outcome)).toEqual([Outcome.copied, Outcome.staleEvent]);
      const backups = await backupVersionsOf(key);
      expect(backups).toHaveLength(1);
      const latest = await s3.send(new GetObjectCommand({ Bucket: outputs.BackupBucketName, Key: key }));
      expect(latest.Metadata?.[BackupMetadata.sourceVersionId]).toBe(newer);
      expect(await latest.Body?.transformToString()).toBe('second');
    } finally {
      await faults('DELETE');
    }
  });
});

describe('receipts', () => {
  it('delivers the receipt of a backup to an SQS subscription of the topic', async () => {
    // Prepare
    const clients = live();
    const probe = await createReceiptProbe(clients, clients.outputs.ReceiptTopicArn, `kit-it-probe-${Date.now()}`);
    const key = `receipts/${Date.now()} report.pdf`;
    try {
      // Act
      const put = await clients.s3.send(new PutObjectCommand({ Bucket: clients.outputs.InboxBucketName, Key: key, Body: '%PDF-1.7' }));
      const receipt = await probe.receiptFor(key, 10_000);
      // Assess
      expect(receipt?.Subject).toBe(`Backed up: ${key.split('/')[1]}`);
      expect(receipt?.Message).toContain(put.VersionId);
    } finally {
      await probe.dispose();
    }
  });
});
