import { GetFunctionConfigurationCommand, InvokeCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { startEmulator } from '../../scripts/lib/emulator.js';
import { projectPython } from '../../scripts/lib/python.js';
import { logEvents } from '../../scripts/lib/observe.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { createTestFunction, emulatorFaults, startEmbeddedStack, type EmbeddedStack } from './support/embedded.js';
import { probeFunctionSource } from './support/probe-function.js';

let stack: EmbeddedStack | undefined;
afterAll(async () => {
  await stack?.emulator.stop();
});

describe('stopping the embedded emulator', () => {
  it('ends at once while a failed event waits for its retry, dropping the event with a log line', async () => {
    // Prepare: a function whose every attempt fails, and a minute between attempts.
    stack = await startEmbeddedStack({ namePrefix: 'kit-stop-it', env: { KIT_EMULATOR_RETRY_DELAYS: '60' } });
    const { lambda, logs } = stack.deployment.clients;
    const { BackupFunctionName: FunctionName, LogGroupName } = stack.deployment.outputs;
    const variables = { ...(await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }))).Environment?.Variables };
    delete variables.TOPIC_ARN;
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables: variables } }));
    const since = Date.now() - 1_000;
    await lambda.send(new InvokeCommand({ FunctionName, InvocationType: 'Event', Payload: '{"Records":[]}' }));
    await waitFor('the first attempt to end', async () => ((await logEvents(logs, LogGroupName, since)).some((event) => event.message?.startsWith('REPORT')) ? true : undefined), {
      timeoutMs: 15_000,
    });

    // Act
    const stopped = await stack.emulator.stop();

    // Assess
    expect(stopped.killed).toBe(false);
    expect(await stack.emulator.log()).toMatch(new RegExp(`\\[lambda-async\\] ${FunctionName}: event \\S+ dropped after 1 attempts: the emulator is stopping`));
  });

  it('ends at once while an S3 event waits for its late delivery (the delayEvents fault), dropping the event with a log line', async () => {
    // Prepare: the inbox's events come a minute late
    const late = await startEmbeddedStack({ namePrefix: 'kit-stop-late-it' });
    try {
      const { s3 } = late.deployment.clients;
      const { BackupFunctionName: FunctionName, InboxBucketName } = late.deployment.outputs;
      await emulatorFaults(late.emulator, 'PUT', { delayEvents: { share: 1, ms: 60_000 } });
      await s3.send(new PutObjectCommand({ Bucket: InboxBucketName, Key: 'late.txt', Body: 'its event comes in a minute' }));
      await waitFor('the event to wait for its delivery', async () => {
        const health = (await (await fetch(`${late.emulator.endpoint}/_backup-kit/health`)).json()) as { pendingAsyncEvents: number };
        return health.pendingAsyncEvents === 1 ? true : undefined;
      }, { timeoutMs: 5_000, intervalMs: 20 });
      // Act
      const stopped = await late.emulator.stop();
      // Assess
      expect(stopped.killed).toBe(false);
      expect(await late.emulator.log()).toMatch(new RegExp(`\\[lambda-async\\] ${FunctionName}: event \\S+ dropped after 0 attempts: the emulator is stopping`));
    } finally {
      await late.emulator.stop();
    }
  });

  it('ends at once while a function runs, whose invocation answers as a crash', async () => {
    // Prepare: an invocation that would sleep 15 s
    const running = await startEmbeddedStack({ namePrefix: 'kit-stop-busy-it' });
    const markerDir = await mkdtemp(join(tmpdir(), 'backup-kit-started-'));
    try {
      const { lambda } = running.deployment.clients;
      await createTestFunction(running, 'kit-stop-sleeper', { 'index.mjs': probeFunctionSource }, { timeout: 20 });
      const startedMarker = join(markerDir, 'started');
      const invocation = lambda.send(new InvokeCommand({ FunctionName: 'kit-stop-sleeper', Payload: JSON.stringify({ sleepMs: 15_000, startedMarker }) }));
      await waitFor('the invocation to start', async () => (existsSync(startedMarker) ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
      // Act
      const stopped = await running.emulator.stop();
      // Assess
      expect(stopped.killed).toBe(false);
      const response = await invocation;
      expect(response.FunctionError).toBe('Unhandled');
      expect(JSON.parse(new TextDecoder().decode(response.Payload))).toMatchObject({ errorType: 'Runtime.ExitError' });
    } finally {
      await running.emulator.stop();
      await rm(markerDir, { recursive: true, force: true });
    }
  });

  it('ends at once while fault injection holds a function\'s request', async () => {
    // Prepare: the next function request is held for 20 s
    const emulator = await startEmulator({ stateDir: await mkdtemp(join(tmpdir(), 'backup-kit-stop-it-')) });
    await emulatorFaults(emulator, 'PUT', { holdNext: { ms: 20_000 } });
    const held = fetch(`${emulator.endpoint}/some-bucket/some-key`, { headers: { 'user-agent': 'aws-sdk-js/3 exec-env/AWS_Lambda_nodejs22.x' } }).then((response) => response.status, () => 'no answer');
    await waitFor('the request to be held', async () => ((await emulatorFaults(emulator, 'GET')).counts.held === 1 ? true : undefined), { timeoutMs: 5_000, intervalMs: 20 });
    // Act
    const stopped = await emulator.stop();
    // Assess
    expect(stopped.killed).toBe(false);
    await held;
  });

  it('ends at once while a client long-polls a queue', async () => {
    // Prepare: a ReceiveMessage that would wait 20 s for a message
    const emulator = await startEmulator({ stateDir: await mkdtemp(join(tmpdir(), 'backup-kit-stop-it-')) });
    const { sqs } = clientsFor(embeddedTarget(emulator.endpoint));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'kit-stop-long-poll' }));
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 })).then(() => 'answered', () => 'no answer');
    // No sign tells that the poll is waiting inside the emulator: give its request time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Act
    const stopped = await emulator.stop();
    // Assess
    expect(stopped.killed).toBe(false);
    await polling;
  });

  it('ends at once while a watcher of its request log is held, answering the watcher', async () => {
    // Prepare: a watcher held for 20 s, for a write that never comes
    const emulator = await startEmulator({ stateDir: await mkdtemp(join(tmpdir(), 'backup-kit-stop-it-')) });
    const watcher = fetch(`${emulator.endpoint}/_backup-kit/requests?since=${Date.now()}&operation=CopyObject&waitMs=20000`).then((response) => response.status, () => 'no answer');
    // No sign tells that the watcher is held: give its request time to arrive (if it has not, it gets no answer and this fails).
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Act
    const started = Date.now();
    const stopped = await emulator.stop();
    // Assess
    expect(stopped.killed).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await watcher).toBe(200);
  });
});

/** Holds an exclusive lock on the file it is given, as a running emulator holds its folder's, until it is killed. */
const LOCK_HOLDER = 'import fcntl, sys, time\nf = open(sys.argv[1], "w")\nfcntl.flock(f, fcntl.LOCK_EX)\nprint("locked", flush=True)\ntime.sleep(120)\n';

describe('starting the embedded emulator again in the same place', () => {
  it('unpacks function code afresh into a folder of its own: code an earlier run unpacked, changed since, is gone; a running one keeps its own', async () => {
    // Prepare: what earlier runs (gone) unpacked, changed by hand under its zip's digest, in the layout before and
    // after folders per process; and the folder of an emulator still running, which holds its lock
    const stateDir = await mkdtemp(join(tmpdir(), 'backup-kit-restart-it-'));
    const functions = join(stateDir, 'functions');
    const gone = [join(functions, 'kit-backup-0123456789abcdef'), join(functions, '4194002-0a1b2c3d', 'kit-backup-0123456789abcdef')];
    const running = join(functions, '4194003-4e5f6a7b', 'kit-backup-0123456789abcdef');
    for (const unpacked of [...gone, running]) {
      await mkdir(unpacked, { recursive: true });
      await writeFile(join(unpacked, 'index.cjs'), 'exports.handler = async () => "changed by hand";\n');
    }
    await writeFile(join(gone[1]!, '..', '.lock'), '');
    const holder = spawn(projectPython(), ['-c', LOCK_HOLDER, join(running, '..', '.lock')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((locked) => holder.stdout.once('data', locked));
      // Act
      const emulator = await startEmulator({ stateDir });
      try {
        // Assess
        expect(gone.filter((unpacked) => existsSync(unpacked))).toEqual([]);
        expect(existsSync(running)).toBe(true);
        expect((await readdir(functions)).filter((name) => name.startsWith(`${emulator.pid}-`))).toHaveLength(1);
        expect(existsSync(join(functions, 'package.json'))).toBe(true);
      } finally {
        await emulator.stop();
      }
    } finally {
      holder.kill();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
