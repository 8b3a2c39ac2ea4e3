import { InvokeCommand } from '@aws-sdk/client-lambda';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait.js';
import { createTestFunction, printEmulatorLogOnFailure, startEmbeddedStack, type EmbeddedStack } from './support/embedded.js';

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
});
