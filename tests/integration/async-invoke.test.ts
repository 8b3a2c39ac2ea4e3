import { CloudWatchLogsClient, CreateLogGroupCommand, PutSubscriptionFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteFunctionCommand,
  GetFunctionEventInvokeConfigCommand,
  InvokeCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateQueueCommand, DeleteMessageCommand, DeleteQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait.js';
import { createTestFunction, emulatorQuiet, printEmulatorLogOnFailure, startEmbeddedStack, type EmbeddedStack } from './support/embedded.js';

describe("the embedded emulator's asynchronous invocations", () => {
  let stack: EmbeddedStack | undefined;

  beforeAll(async () => {
    stack = await startEmbeddedStack({ namePrefix: 'kit-async-it', env: { KIT_EMULATOR_RETRY_DELAYS: '3' } });
  });
  afterAll(async () => {
    await stack?.emulator.stop();
  });
  beforeEach(() => printEmulatorLogOnFailure(() => stack));

  it("let another function's event run while failed events wait for their retries", async () => {
    // Prepare: a function that always fails and notes each attempt, and one that notes when it ran
    const { lambda } = stack!.deployment.clients;
    const failing = `const { appendFileSync } = require('node:fs');
      exports.handler = async (event, context) => { appendFileSync(event.log, Date.now() + ' ' + context.awsRequestId + '\\n'); throw new Error('always fails'); };`;
    const noting = `const { writeFileSync } = require('node:fs');
      exports.handler = async (event) => { writeFileSync(event.marker, String(Date.now())); };`;
    await createTestFunction(stack!, 'kit-async-failing', { 'index.js': failing });
    await createTestFunction(stack!, 'kit-async-noting', { 'index.js': noting });
    const dir = await mkdtemp(join(tmpdir(), 'backup-kit-async-'));
    const log = join(dir, 'attempts.log');
    const marker = join(dir, 'ran');
    const attempts = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => line.split(' ')) : []);
    // Act: as many failing events as the emulator has workers, then the other function's event
    for (let i = 0; i < 8; i += 1) await lambda.send(new InvokeCommand({ FunctionName: 'kit-async-failing', InvocationType: 'Event', Payload: JSON.stringify({ log }) }));
    await waitFor('the first attempt of every failing event', async () => (attempts().length >= 8 ? true : undefined), { timeoutMs: 20_000, intervalMs: 50 });
    await lambda.send(new InvokeCommand({ FunctionName: 'kit-async-noting', InvocationType: 'Event', Payload: JSON.stringify({ marker }) }));
    await waitFor('the other event and a second attempt of every failing event', async () => (existsSync(marker) && attempts().length >= 16 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    // Assess: it ran before any failing event was tried again
    const ranAt = Number(readFileSync(marker, 'utf8'));
    const firstAttemptOf = new Map<string, number>();
    const retriedAt: number[] = [];
    for (const [at, requestId] of attempts()) {
      if (firstAttemptOf.has(requestId!)) retriedAt.push(Number(at));
      else firstAttemptOf.set(requestId!, Number(at));
    }
    expect(firstAttemptOf.size).toBe(8);
    expect(ranAt).toBeLessThan(Math.min(...retriedAt));
  });

  it('change with UpdateFunctionEventInvokeConfig only what it is given, keeping the on-failure destination', async () => {
    // Prepare: a function configured as the template configures the kit's
    const { lambda } = stack!.deployment.clients;
    const destination = stack!.deployment.outputs.FailedEventsQueueArn;
    await createTestFunction(stack!, 'kit-async-configured', { 'index.js': 'exports.handler = async () => "ok";' });
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'kit-async-configured', MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300, DestinationConfig: { OnFailure: { Destination: destination } } }),
    );
    // Act
    await lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'kit-async-configured', MaximumRetryAttempts: 0 }));
    // Assess
    const config = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'kit-async-configured' }));
    expect(config).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300, DestinationConfig: { OnFailure: { Destination: destination } } });
  });

  it('send the record of an event that succeeded to the on-success destination, as Lambda does', async () => {
    // Prepare: a function whose on-success destination is the stack's failed-events queue, which its role may send to
    const { lambda, sqs } = stack!.deployment.clients;
    const { FailedEventsQueueUrl: QueueUrl, FailedEventsQueueArn: destination } = stack!.deployment.outputs;
    await createTestFunction(stack!, 'kit-async-succeeding', { 'index.js': 'exports.handler = async (event) => ({ echoed: event.n });' });
    await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'kit-async-succeeding', DestinationConfig: { OnSuccess: { Destination: destination } } }));
    // Act
    await lambda.send(new InvokeCommand({ FunctionName: 'kit-async-succeeding', InvocationType: 'Event', Payload: JSON.stringify({ n: 7 }) }));
    // Assess
    const received = await waitFor('the success record', async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }))).Messages?.[0], { timeoutMs: 20_000, intervalMs: 100 });
    expect(JSON.parse(received.Body!)).toMatchObject({
      requestContext: { condition: 'Success', approximateInvokeCount: 1, functionArn: expect.stringMatching(/:function:kit-async-succeeding:\$LATEST$/) },
      requestPayload: { n: 7 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { echoed: 7 },
    });
    expect(JSON.parse(received.Body!).responseContext).not.toHaveProperty('functionError');
  });

  /** A queue, and a role that may send to it (a function's destination), for the function `name`. */
  async function queueAndRole(name: string): Promise<{ QueueUrl: string; destination: string; roleArn: string }> {
    const { sqs } = stack!.deployment.clients;
    const target = stack!.target;
    const iam = new IAMClient({ region: target.region, endpoint: target.endpoint!, credentials: target.credentials! });
    const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    const destination = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: `${name}-role`,
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    await iam.send(new PutRolePolicyCommand({ RoleName: `${name}-role`, PolicyName: 'send', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: destination }] }) }));
    return { QueueUrl, destination, roleArn: Role!.Arn! };
  }

  it('keep an event that succeeded as done when its success record cannot be sent (its queue deleted since), saying so', async () => {
    // Prepare: a role that may send to a queue, the function's on-success destination, and the queue deleted after
    const { lambda, sqs } = stack!.deployment.clients;
    const { QueueUrl, destination, roleArn } = await queueAndRole('kit-async-gone');
    await createTestFunction(stack!, 'kit-async-gone', { 'index.js': 'exports.handler = async () => "done";' }, { role: roleArn });
    await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'kit-async-gone', DestinationConfig: { OnSuccess: { Destination: destination } } }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    // Act
    await lambda.send(new InvokeCommand({ FunctionName: 'kit-async-gone', InvocationType: 'Event', Payload: '{}' }));
    // Assess
    const said = await waitFor('the emulator to say what became of the record', async () => {
      const log = await stack!.emulator.log();
      return /kit-async-gone: (the record of event \S+ was not sent to|event lost by the emulator)/.exec(log)?.[0];
    }, { timeoutMs: 20_000, intervalMs: 100 });
    expect(said).toMatch(/the record of event \S+ was not sent to$/);
  });

  it('say which on-failure destination did not take a failed event (its queue deleted since), as Lambda drops it, not as a fault of the emulator', async () => {
    // Prepare: a failing function whose on-failure queue is deleted after it was set
    const { lambda, sqs } = stack!.deployment.clients;
    const { QueueUrl, destination, roleArn } = await queueAndRole('kit-async-park-gone');
    await createTestFunction(stack!, 'kit-async-park-gone', { 'index.js': 'exports.handler = async () => { throw new Error("no"); };' }, { role: roleArn });
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'kit-async-park-gone', MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: destination } } }),
    );
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    // Act
    await lambda.send(new InvokeCommand({ FunctionName: 'kit-async-park-gone', InvocationType: 'Event', Payload: '{}' }));
    // Assess
    const said = await waitFor('the emulator to say what became of the event', async () => {
      const log = await stack!.emulator.log();
      return /kit-async-park-gone: (event \S+ dropped after .*|event lost by the emulator.*)/.exec(log)?.[0];
    }, { timeoutMs: 20_000, intervalMs: 100 });
    expect(said).toContain(`dropped after 1 attempts: its on-failure destination ${destination} did not take it (RetriesExhausted)`);
  });

  let rangeFunctions = 0;
  it.each([
    [{ MaximumEventAgeInSeconds: 59 }, /maximumEventAgeInSeconds.*greater than or equal to 60/],
    [{ MaximumEventAgeInSeconds: 21601 }, /maximumEventAgeInSeconds.*less than or equal to 21600/],
    [{ MaximumRetryAttempts: -1 }, /maximumRetryAttempts.*greater than or equal to 0/],
    [{ MaximumRetryAttempts: 3 }, /maximumRetryAttempts.*less than or equal to 2/],
  ])('refuse an asynchronous setting outside what Lambda accepts: %j', async (setting, message) => {
    // Prepare
    const { lambda } = stack!.deployment.clients;
    const FunctionName = `kit-async-range-${(rangeFunctions += 1)}`;
    await createTestFunction(stack!, FunctionName, { 'index.js': 'exports.handler = async () => "ok";' });
    // Act
    const put = lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName, ...setting }));
    // Assess
    await expect(put).rejects.toThrow(message);
    await expect(put).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('keep the configuration in force when a change outside Lambda’s ranges is refused, so failed events are still parked', async () => {
    // Prepare: a function configured as the template configures the kit's
    const { lambda } = stack!.deployment.clients;
    const destination = stack!.deployment.outputs.FailedEventsQueueArn;
    await createTestFunction(stack!, 'kit-async-kept', { 'index.js': 'exports.handler = async () => "ok";' });
    const configured = { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300, DestinationConfig: { OnFailure: { Destination: destination } } };
    await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'kit-async-kept', ...configured }));
    // Act: an update and a put that Lambda refuses (above its upper bounds)
    const update = lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'kit-async-kept', MaximumRetryAttempts: 3 }));
    await expect(update).rejects.toMatchObject({ name: 'ValidationException' });
    const put = lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'kit-async-kept', ...configured, MaximumEventAgeInSeconds: 21601 }));
    await expect(put).rejects.toMatchObject({ name: 'ValidationException' });
    // Assess: the destination and the settings are still those in force before
    const config = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'kit-async-kept' }));
    expect(config).toMatchObject(configured);
  });

  it("keep a function's answer when its log lines cannot be delivered, as Lambda does, instead of failing or dropping the event", async () => {
    // Prepare: the function's log group sends to a subscriber that has since been deleted, so writing its lines fails
    const { lambda } = stack!.deployment.clients;
    const target = stack!.target;
    const logs = new CloudWatchLogsClient({ region: target.region, endpoint: target.endpoint!, credentials: target.credentials! });
    const dir = await mkdtemp(join(tmpdir(), 'backup-kit-async-logs-'));
    const runs = join(dir, 'runs.log');
    const noting = `const { appendFileSync } = require('node:fs');
      exports.handler = async (event) => { console.log('ran'); appendFileSync(event.runs, 'ran\\n'); return 'answered'; };`;
    await createTestFunction(stack!, 'kit-async-logged', { 'index.js': noting });
    const sink = await createTestFunction(stack!, 'kit-async-log-sink', { 'index.js': 'exports.handler = async () => "ok";' });
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/kit-async-logged' }));
    await logs.send(new PutSubscriptionFilterCommand({ logGroupName: '/aws/lambda/kit-async-logged', filterName: 'all', filterPattern: '', destinationArn: sink.FunctionArn! }));
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'kit-async-log-sink' }));
    const ran = () => (existsSync(runs) ? readFileSync(runs, 'utf8').trim().split('\n').length : 0);
    // Act
    const answered = await lambda.send(new InvokeCommand({ FunctionName: 'kit-async-logged', Payload: JSON.stringify({ runs }) }));
    await lambda.send(new InvokeCommand({ FunctionName: 'kit-async-logged', InvocationType: 'Event', Payload: JSON.stringify({ runs }) }));
    await waitFor('the event to run', async () => (ran() >= 2 ? true : undefined), { timeoutMs: 20_000, intervalMs: 50 });
    // Assess: the event ended without a retry (an event waiting for its retry keeps the emulator from being quiet)
    expect(answered.FunctionError).toBeUndefined();
    expect(new TextDecoder().decode(answered.Payload)).toBe('"answered"');
    await emulatorQuiet(stack!.emulator);
    expect(ran()).toBe(2);
    expect(await stack!.emulator.log()).toMatch(/\[lambda\] kit-async-logged \S+: its log lines could not be written: /);
  });
  it('fail an event whose answer is larger than the 6 MB Lambda returns, as Lambda does, so it is retried and parked, not counted a success', async () => {
    // Prepare: a function that answers 7 MB, tried once, parking in the stack's failed-events queue
    const { lambda, sqs } = stack!.deployment.clients;
    const { FailedEventsQueueUrl: QueueUrl, FailedEventsQueueArn: destination } = stack!.deployment.outputs;
    const created = await createTestFunction(stack!, 'kit-async-oversized', { 'index.js': 'exports.handler = async () => "x".repeat(7000000);' }, { memory: 512 });
    await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'kit-async-oversized', MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: destination } } }));
    // Act
    await lambda.send(new InvokeCommand({ FunctionName: 'kit-async-oversized', InvocationType: 'Event', Payload: '{}' }));
    // Assess
    const parked = await waitFor('the parked record', async () => {
      const messages = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))).Messages ?? [];
      return messages.find((message) => message.Body?.includes(`${created.FunctionArn}:$LATEST`));
    }, { timeoutMs: 20_000, intervalMs: 100 });
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: parked.ReceiptHandle! }));
    expect(JSON.parse(parked.Body!)).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 },
      responseContext: { functionError: 'Unhandled' },
      responsePayload: { errorType: 'Function.ResponseSizeTooLarge', errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).' },
    });
  });
});
