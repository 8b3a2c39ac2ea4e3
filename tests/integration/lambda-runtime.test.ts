import { CreateFunctionCommand, DeleteFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand, LambdaClient, PutFunctionEventInvokeConfigCommand, type Runtime } from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { functionNodeFor } from '../../scripts/lib/function-node.js';
import { freePort } from '../../scripts/lib/localstack-host.js';
import { lambdaRuntimeDir, venvBin } from '../../scripts/lib/paths.js';
import { processAlive } from '../../scripts/lib/process-alive.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { processEnded } from '../support/process-ended.js';
import { createTestFunction, startEmbeddedStack, type EmbeddedStack } from './support/embedded.js';
import { zipOfFiles } from './support/zip.js';
import { probeFunctionSource } from './support/probe-function.js';

// The kit's init speaking LocalStack's executor protocol, driven by a stand-in for LocalStack's
// ExecutorEndpoint: real processes (the init in .venv's Python, the function in Node 22), no LocalStack.

const python = join(venvBin, 'python');

type Posted = { path: string; body: string };

/** What LocalStack's ExecutorEndpoint would receive, in order. */
class FakeExecutorEndpoint {
  readonly posted: Posted[] = [];
  private server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.posted.push({ path: request.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server!.address() as { port: number }).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Listens again on the same port after stop(), as a LocalStack that was away for a moment. */
  restart(): Promise<void> {
    return this.start(this.port);
  }

  find(pathEnd: string): Posted | undefined {
    return this.posted.find((p) => p.path.endsWith(pathEnd));
  }
}

const skipReason = existsSync(python) ? undefined : `the project's virtualenv is missing (${python}): run \`make setup\``;
if (skipReason) console.warn(`SKIP the kit's init suite: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('the kit\'s init in LocalStack\'s executor protocol', () => {
  const endpoint = new FakeExecutorEndpoint();
  let taskRoot: string;
  let init: ChildProcess | undefined;
  let interopPort: number;
  let output = '';
  let node22: string;

  beforeAll(async () => {
    node22 = functionNodeFor('nodejs22.x');
    await endpoint.start();
    taskRoot = await mkdtemp(join(tmpdir(), 'backup-kit-init-'));
    await writeFile(join(taskRoot, 'index.mjs'), probeFunctionSource);
  });
  afterAll(async () => {
    await endpoint.stop();
    await rm(taskRoot, { recursive: true, force: true });
  });
  afterEach(() => {
    init?.kill('SIGKILL');
    init = undefined;
  });

  /** Starts the init; `inheritedDescriptors` more open descriptors (all /dev/null) make it a process with many files open. */
  async function startInit(extra: Record<string, string> = {}, inheritedDescriptors = 0): Promise<void> {
    endpoint.posted.length = 0;
    interopPort = await freePort();
    output = '';
    const devNull = openSync('/dev/null', 'r');
    init = spawn(python, ['-m', 'kit_lambda_runtime.localstack_init'], {
      cwd: taskRoot,
      stdio: ['pipe', 'pipe', 'pipe', ...Array.from({ length: inheritedDescriptors }, () => devNull)],
      env: {
        PATH: process.env.PATH,
        PYTHONPATH: lambdaRuntimeDir,
        LOCALSTACK_RUNTIME_ID: 'runtime1',
        LOCALSTACK_RUNTIME_ENDPOINT: `http://127.0.0.1:${endpoint.port}/_localstack_lambda/runtime1`,
        LOCALSTACK_INTEROP_PORT: String(interopPort),
        KIT_NODE_BINARY: node22,
        KIT_TASK_ROOT: taskRoot,
        _HANDLER: 'index.handler',
        AWS_LAMBDA_FUNCTION_NAME: 'probe',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_TIMEOUT: '1',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
        ...extra,
      },
    });
    closeSync(devNull);
    init.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    init.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor('the init to report ready', async () => endpoint.find('/status/runtime1/ready') ?? (init?.exitCode !== null ? Promise.reject(new Error(`the init exited:\n${output}`)) : undefined), { timeoutMs: 15_000, intervalMs: 50 });
  }

  /** Sends one invocation as LocalStack does, without waiting for it. */
  async function send(id: string, payload: object): Promise<void> {
    const answered = await fetch(`http://127.0.0.1:${interopPort}/invoke`, {
      method: 'POST',
      body: JSON.stringify({ 'invoke-id': id, 'invoked-function-arn': 'arn:aws:lambda:us-east-1:000000000000:function:probe', payload: JSON.stringify(payload), 'trace-id': 'Root=1-0-0' }),
    });
    expect(answered.status).toBe(200);
  }

  /** What the init posted as an invocation's result (its response or its error), once it has. */
  const resultOf = (id: string) =>
    waitFor(`the result of ${id}`, async () => endpoint.find(`/invocations/${id}/response`) ?? endpoint.find(`/invocations/${id}/error`), { timeoutMs: 10_000, intervalMs: 20 });

  /** Sends one invocation as LocalStack does and waits for its logs and its result. */
  async function invoke(id: string, payload: object): Promise<{ logs: string; outcome: 'response' | 'error'; body: Record<string, unknown> }> {
    await send(id, payload);
    const result = await resultOf(id);
    const logsIndex = endpoint.posted.findIndex((p) => p.path.endsWith(`/invocations/${id}/logs`));
    expect(logsIndex).toBeGreaterThanOrEqual(0);
    expect(logsIndex).toBeLessThan(endpoint.posted.indexOf(result));
    return { logs: JSON.parse(endpoint.posted[logsIndex]!.body).logs, outcome: result.path.endsWith('/response') ? 'response' : 'error', body: JSON.parse(result.body) };
  }

  it('reports ready, then posts each invocation\'s logs before its response, the function running on Node 22', async () => {
    // Prepare
    await startInit();
    // Act
    const first = await invoke('req-1', {});
    const second = await invoke('req-2', {});
    // Assess
    expect(first.outcome).toBe('response');
    expect(first.body).toMatchObject({ invocations: 1, node: expect.stringMatching(/^v22\./), requestId: 'req-1' });
    expect(second.body).toMatchObject({ invocations: 2 });
    expect(Number(first.body.remaining)).toBeGreaterThan(0);
    expect(first.logs).toMatch(/^START RequestId: req-1 Version: \$LATEST\n.*\treq-1\tINFO\tprobe says hi\nEND RequestId: req-1\nREPORT RequestId: req-1\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms\n$/);
    expect(second.logs).not.toContain('Init Duration');
  });

  it('captures the function\'s output in a process with more than 1,024 descriptors open', async () => {
    // Prepare: its pipes get numbers above 1,023, which select.select() refuses
    await startInit({}, 1_100);
    // Act
    const answered = await invoke('req-fds', {});
    // Assess
    expect(answered.outcome).toBe('response');
    expect(answered.logs).toContain('\treq-fds\tINFO\tprobe says hi\n');
  });

  it('holds at most 8 MiB of what a function writes between invocations, and says how much it dropped', async () => {
    // Prepare: 12 MiB of 1,023-byte lines written while the function is idle, as Lambda's frozen process never could
    await startInit();
    const writtenMarker = join(taskRoot, 'chatter-written');
    await invoke('req-chatter', { linesAfterReturn: 12 * 1024, writtenMarker });
    await waitFor('the idle function to write its lines', async () => existsSync(writtenMarker) || undefined, { timeoutMs: 10_000, intervalMs: 20 });
    // Act
    const next = await invoke('req-after-chatter', {});
    // Assess: the newest 8,200 lines (8 MiB) are kept, the 4,088 before them counted
    const lines = next.logs.split('\n');
    expect(lines[0]).toBe("[backup-kit] 4088 earlier line(s) of the function's output dropped (4182024 bytes): more than 8 MiB was written before these were collected");
    expect(lines[1]).toMatch(/^chatter 004088 \.+$/);
    expect(lines.filter((line) => line.startsWith('chatter '))).toHaveLength(8_200);
    expect(lines[8_201]).toBe('START RequestId: req-after-chatter Version: $LATEST');
  });

  it('splits a line longer than 256 KiB, written piece by piece, between characters', async () => {
    // Prepare
    await startInit();
    // Act: 'a' and 600,000 two-byte characters, so that the first cut falls inside one of them
    const answered = await invoke('req-long-line', { longLineChars: 600_000 });
    // Assess
    const pieces = answered.logs.split('\n').filter((line) => /^a?é/.test(line));
    expect(pieces.map((piece) => Buffer.byteLength(piece))).toEqual([262_143, 262_144, 262_144, 262_144, 151_426]);
    expect(pieces.join('')).toBe(`a${'é'.repeat(600_000)}`);
  });

  it('reports a thrown error to /error with the Invoke Error line in the logs', async () => {
    // Prepare
    await startInit();
    // Act
    const failed = await invoke('req-fail', { fail: true });
    // Assess
    expect(failed.outcome).toBe('error');
    expect(failed.body).toMatchObject({ errorType: 'TypeError', errorMessage: 'asked to fail' });
    expect(failed.logs).toMatch(/\treq-fail\tERROR\tInvoke Error \t\{"errorType":"TypeError"/);
  });

  it('times out, discards the runtime and starts a fresh one inside the next invocation, as Lambda\'s suppressed init', async () => {
    // Prepare
    await startInit();
    const before = await invoke('req-warm', {});
    // Act
    const timedOut = await invoke('req-slow', { sleepMs: 3_000 });
    const after = await invoke('req-after', {});
    // Assess
    expect(timedOut.outcome).toBe('error');
    expect(String(timedOut.body.errorMessage)).toMatch(/req-slow Task timed out after 1\.00 seconds$/);
    expect(timedOut.logs).toMatch(/Z req-slow Task timed out after 1\.00 seconds\nEND RequestId: req-slow/);
    expect(processAlive(Number(before.body.pid))).toBe(false);
    expect(after.body).toMatchObject({ invocations: 1 });
    expect(after.logs).toMatch(/REPORT RequestId: req-after\tDuration: [\d.]+ ms/);
    expect(after.logs).not.toContain('Init Duration');
  });

  it('takes a function process busy in a synchronous loop, and what it started, with it when the init is killed with SIGKILL', async () => {
    // Prepare: an invocation that keeps the function's one thread busy, so that it cannot see its stdin close
    await startInit({ AWS_LAMBDA_FUNCTION_TIMEOUT: '60' });
    const markerDir = await mkdtemp(join(tmpdir(), 'backup-kit-init-busy-'));
    const startedMarker = join(markerDir, 'started');
    let started: { pid: number; childPid: number } | undefined;
    try {
      await send('req-busy', { spawnChild: true, spinMs: 60_000, startedMarker });
      started = await waitFor('the invocation to start', async () => (existsSync(startedMarker) ? (JSON.parse(await readFile(startedMarker, 'utf8')) as { pid: number; childPid: number }) : undefined), {
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      // Act
      init!.kill('SIGKILL');
      // Assess
      await waitFor('the busy function process and its child to end', async () => (processAlive(started!.pid) || processAlive(started!.childPid) ? undefined : true), { timeoutMs: 5_000, intervalMs: 50 });
    } finally {
      for (const pid of [started?.pid, started?.childPid]) if (pid && processAlive(pid)) process.kill(pid, 'SIGKILL');
      await rm(markerDir, { recursive: true, force: true });
    }
  });

  it('reports the memory a runtime used before it crashed, not 0 MB', async () => {
    // Prepare: 64 MiB written, held for half a second, then the process ends
    await writeFile(join(taskRoot, 'heavy.mjs'), 'export const handler = async () => { const held = Buffer.alloc(64 << 20, 1); await new Promise((resolve) => setTimeout(resolve, 500)); process.exit(held.length > 0 ? 3 : 4); };');
    await startInit({ _HANDLER: 'heavy.handler', AWS_LAMBDA_FUNCTION_TIMEOUT: '5' });
    // Act
    const crashed = await invoke('req-heavy', {});
    // Assess
    expect(crashed.body).toMatchObject({ errorType: 'Runtime.ExitError' });
    const used = Number(/Max Memory Used: (\d+) MB/.exec(crashed.logs)?.[1]);
    expect(used).toBeGreaterThanOrEqual(64);
  });

  it('turns a crash into Runtime.ExitError with its exit status', async () => {
    // Prepare
    await startInit();
    // Act
    const crashed = await invoke('req-crash', { crash: true });
    const after = await invoke('req-next', {});
    // Assess
    expect(crashed.body).toEqual({ errorType: 'Runtime.ExitError', errorMessage: 'RequestId: req-crash Error: Runtime exited with error: exit status 3' });
    expect(crashed.logs).toContain('RequestId: req-crash Error: Runtime exited with error: exit status 3\nRuntime.ExitError\n');
    expect(after.body).toMatchObject({ invocations: 1 });
  });

  it('delivers an invocation\'s logs and result to a LocalStack that was away when it ended, once each (a lost result held one of LocalStack\'s few async workers for 905 s)', async () => {
    // Prepare
    await startInit({ AWS_LAMBDA_FUNCTION_TIMEOUT: '10' });
    await send('req-away', { sleepMs: 500 });
    await endpoint.stop(); // refuses connections until it is back, as LocalStack paused, restarting or overloaded
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // Act
    await endpoint.restart();
    // Assess
    const result = await resultOf('req-away');
    expect(result.path).toMatch(/\/invocations\/req-away\/response$/);
    expect(JSON.parse(result.body)).toMatchObject({ requestId: 'req-away' });
    expect(endpoint.posted.filter((p) => p.path.includes('/invocations/req-away/')).map((p) => p.path.split('/').pop())).toEqual(['logs', 'response']);
    expect(output).toMatch(/invocations\/req-away\/logs: .*refused.*; trying again in/);
  });

  it('answers an invocation whose runtime cannot start, instead of leaving LocalStack to wait out its timeout', async () => {
    // Prepare: a task root that vanishes after the first runtime crashed, so that the next one cannot start
    const vanishing = await mkdtemp(join(tmpdir(), 'backup-kit-init-vanishing-'));
    await writeFile(join(vanishing, 'index.mjs'), probeFunctionSource);
    await startInit({ KIT_TASK_ROOT: vanishing });
    await invoke('req-crash-first', { crash: true });
    await rm(vanishing, { recursive: true, force: true });
    // Act
    const failed = await invoke('req-no-runtime', {});
    // Assess
    expect(failed.outcome).toBe('error');
    expect(failed.body).toMatchObject({ errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(/^RequestId: req-no-runtime Error: the runtime could not start: .*No such file or directory/) });
    expect(failed.logs).toMatch(/^RequestId: req-no-runtime Error: the runtime could not start: /);
  });

  it('reports an init failure inside the first invocation, with its logs, and not as a status error', async () => {
    // Prepare
    await startInit({ BREAK_INIT: '1' });
    // Act
    const failed = await invoke('req-init', {});
    // Assess
    expect(endpoint.find('/status/runtime1/error')).toBeUndefined();
    expect(failed.outcome).toBe('error');
    expect(failed.body).toMatchObject({ errorType: 'Error', errorMessage: 'BACKUP_BUCKET: is not set' });
    expect(failed.logs).toMatch(/\tundefined\tERROR\tUncaught Exception \t\{"errorType":"Error","errorMessage":"BACKUP_BUCKET: is not set"[\s\S]*START RequestId: req-init[\s\S]*REPORT RequestId: req-init/);
  });

  it('does a failed init again inside the first invocation, each with its INIT_REPORT line, as Lambda logs it', async () => {
    // Prepare: a module whose top level throws, and one whose top level ends the process
    await writeFile(join(taskRoot, 'exits.mjs'), "console.log('starting'); process.exit(1);");
    await startInit({ BREAK_INIT: '1' });
    // Act
    const thrown = await invoke('req-thrown', {});
    await startInit({ _HANDLER: 'exits.handler' });
    const exited = await invoke('req-exited', {});
    // Assess: the init's error, its report, the same again inside the invocation, then START … REPORT without Init Duration
    const shape = (logs: string) =>
      logs
        .split('\n')
        .filter((line) => /^(INIT_REPORT|START|END|REPORT|RequestId:|Runtime\.)/.test(line) || /Uncaught Exception|\tINFO\tstarting$/.test(line))
        .map((line) => line.replace(/Init Duration: [\d.]+ ms/, 'Init Duration: N ms').replace(/^REPORT .*/, (report) => (report.includes('Init Duration') ? 'REPORT with Init Duration' : 'REPORT')).replace(/^.*Uncaught Exception.*$/, 'Uncaught Exception').replace(/^.*\tINFO\tstarting$/, 'starting'));
    expect(shape(thrown.logs)).toEqual([
      'Uncaught Exception',
      'INIT_REPORT Init Duration: N ms\tPhase: init\tStatus: error\tError Type: Error',
      'Uncaught Exception',
      'INIT_REPORT Init Duration: N ms\tPhase: invoke\tStatus: error\tError Type: Error',
      'START RequestId: req-thrown Version: $LATEST',
      'END RequestId: req-thrown',
      'REPORT',
    ]);
    expect(thrown.body).toMatchObject({ errorType: 'Error', errorMessage: 'BACKUP_BUCKET: is not set' });
    expect(shape(exited.logs)).toEqual([
      'starting',
      'INIT_REPORT Init Duration: N ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError',
      'starting',
      'INIT_REPORT Init Duration: N ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError',
      'START RequestId: req-exited Version: $LATEST',
      'RequestId: req-exited Error: Runtime exited with error: exit status 1',
      'Runtime.ExitError',
      'END RequestId: req-exited',
      'REPORT',
    ]);
    expect(exited.body).toEqual({ errorType: 'Runtime.ExitError', errorMessage: 'RequestId: req-exited Error: Runtime exited with error: exit status 1' });
  });

  it('does an init that outlives its limit again inside the first invocation, against the function timeout, as Lambda does', async () => {
    // Prepare: an init of 1.5 s where the init limit is 1 s (10 s on Lambda) and the function's timeout 5 s
    await writeFile(
      join(taskRoot, 'slow.mjs'),
      'await new Promise((resolve) => setTimeout(resolve, 1500)); export const handler = async (event, context) => ({ remainingMs: context.getRemainingTimeInMillis() });',
    );
    await startInit({ _HANDLER: 'slow.handler', KIT_LAMBDA_INIT_TIMEOUT_S: '1', AWS_LAMBDA_FUNCTION_TIMEOUT: '5' });
    // Act
    const first = await invoke('req-slow-1', {});
    const second = await invoke('req-slow-2', {});
    // Assess: the repeated init's time is the first invocation's, its deadline and its Duration alike
    expect([first.outcome, second.outcome]).toEqual(['response', 'response']);
    expect(Number(first.body.remainingMs)).toBeLessThan(3_600);
    expect(Number(second.body.remainingMs)).toBeGreaterThan(4_500);
    expect(first.logs).toMatch(/^INIT_REPORT Init Duration: 10\d\d\.\d\d ms\tPhase: init\tStatus: timeout\nSTART RequestId: req-slow-1/);
    expect(first.logs).toMatch(/REPORT RequestId: req-slow-1\tDuration: \d+\.\d+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\n$/);
  });

  it('times the first invocation out when the repeated init outlives the function timeout too', async () => {
    // Prepare
    await writeFile(join(taskRoot, 'slower.mjs'), "await new Promise((resolve) => setTimeout(resolve, 4000)); export const handler = async () => 'never';");
    await startInit({ _HANDLER: 'slower.handler', KIT_LAMBDA_INIT_TIMEOUT_S: '1', AWS_LAMBDA_FUNCTION_TIMEOUT: '2' });
    // Act
    const failed = await invoke('req-slower', {});
    // Assess
    expect(failed.outcome).toBe('error');
    expect(failed.body).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/req-slower Task timed out after 2\.00 seconds$/) });
  });

  it('starts the runtime again inside the invocation after a crash, against its timeout: an init longer than that times it out', async () => {
    // Prepare: an init of 1.5 s within the init limit, and a function timeout of 1 s; the first runtime crashes
    await writeFile(
      join(taskRoot, 'slow-start.mjs'),
      "await new Promise((resolve) => setTimeout(resolve, 1500)); export const handler = async (event) => { if (event.crash) process.exit(3); return 'ran'; };",
    );
    await startInit({ _HANDLER: 'slow-start.handler', KIT_LAMBDA_INIT_TIMEOUT_S: '5' });
    const crashed = await invoke('req-crash-slow', { crash: true });
    // Act
    const next = await invoke('req-after-crash', {});
    // Assess: the new runtime's 1.5 s init is the invocation's, so the invocation times out, with no Init Duration
    expect(crashed.body).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect(next.outcome).toBe('error');
    expect(next.body).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/req-after-crash Task timed out after 1\.00 seconds$/) });
    expect(next.logs).toMatch(/^INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: timeout\nSTART RequestId: req-after-crash/);
    expect(next.logs).toMatch(/REPORT RequestId: req-after-crash\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\n$/);
  });

  it('fails the first invocation with an error its module left to throw after the init was ready, as a frozen environment would', async () => {
    // Prepare: a timer of the module throws 200 ms after the runtime asked for its first invocation
    await writeFile(join(taskRoot, 'module-timer.mjs'), "setTimeout(() => { throw new TypeError('from module scope'); }, 200); export const handler = async () => 'ran';");
    await startInit({ _HANDLER: 'module-timer.handler' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    // Act
    const first = await invoke('req-first', {});
    const second = await invoke('req-second', {});
    // Assess
    expect(first.outcome).toBe('error');
    expect(first.body).toMatchObject({ errorType: 'TypeError', errorMessage: 'from module scope' });
    expect(first.logs).toMatch(/Uncaught Exception \t\{"errorType":"TypeError","errorMessage":"from module scope"[\s\S]*RequestId: req-first Error: Runtime exited with error: exit status 129/);
    // The next runtime (its init inside the second invocation) answers before its own timer fires.
    expect(second).toMatchObject({ outcome: 'response', body: 'ran' });
  });

  it('runs the next invocation in a new runtime when the last one ends its process after an error nothing caught', async () => {
    // Prepare: an invocation that leaves an unhandled rejection (the runtime answers with it, then exits), again and again
    await writeFile(
      join(taskRoot, 'dying.mjs'),
      "export const handler = async (event) => { if (event.reject) { Promise.reject(new Error('left behind')); await new Promise((resolve) => setTimeout(resolve, 5)); } return 'fine'; };",
    );
    await startInit({ _HANDLER: 'dying.handler' });
    const outcomes: string[] = [];
    // Act: each sent right behind the one before, as LocalStack queues them for one environment
    for (let round = 0; round < 3; round += 1) {
      await send(`req-dying-${round}`, { reject: true });
      await send(`req-after-${round}`, {});
      for (const id of [`req-dying-${round}`, `req-after-${round}`]) {
        const result = await resultOf(id);
        outcomes.push(`${result.path.split('/').pop()}:${result.body}`);
      }
    }
    // Assess
    expect(outcomes.map((outcome) => outcome.replace(/^error:.*"errorType":"([^"]+)".*$/, 'error:$1'))).toEqual(
      Array.from({ length: 3 }, () => ['error:Runtime.UnhandledPromiseRejection', 'response:"fine"']).flat(),
    );
  });

  /** Waits until the function's process (its pid, as a handler returned it) has ended, by the cause named. */
  const runtimeEnds = (runtimePid: unknown, by: string) =>
    waitFor(`the runtime to end by its ${by}`, async () => ((await processEnded(Number(runtimePid))) ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });

  // LocalStack's init never freezes an environment between invocations (its supervisor's Freeze only reports
  // figures), nor does the kit's: what a handler left running runs on while the runtime waits.
  it('runs on what an invocation left while it waits: an error it throws ends the runtime at once and fails the next invocation', async () => {
    // Prepare: an invocation leaves a timer that throws once it has answered
    const marker = join(taskRoot, 'left-timer-thrown');
    await writeFile(join(taskRoot, 'left-timer.mjs'), `import { writeFileSync } from 'node:fs';
    export const handler = async (event) => {
      if (event.leave) setTimeout(() => { console.log('timer fires'); writeFileSync(event.leave, ''); throw new Error('left behind'); }, 200);
      return { pid: process.pid };
    };`);
    await startInit({ _HANDLER: 'left-timer.handler' });
    const { body } = await invoke('req-leave', { leave: marker });
    await waitFor('the timer to throw', async () => (existsSync(marker) ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
    // The runtime ends at once, having handed its error over, instead of running on broken until an invocation comes.
    await runtimeEnds(body.pid, 'error');
    // Act
    const next = await invoke('req-next', {});
    const after = await invoke('req-after', {});
    // Assess: the next invocation carries the error and its lines; the one after runs on a new runtime
    expect(next).toMatchObject({ outcome: 'error', body: { errorType: 'Error', errorMessage: 'left behind' } });
    expect(next.logs).toMatch(/INFO\ttimer fires[\s\S]*Uncaught Exception \t\{"errorType":"Error","errorMessage":"left behind"[\s\S]*Error: Runtime exited with error: exit status 129/);
    expect(after.outcome).toBe('response');
    expect(after.body.pid).not.toBe(body.pid);
    expect(after.logs).not.toContain('Init Duration');
  });

  it('keeps the lines a runtime wrote while it waited just before an error nothing caught ended it, the error\'s own line included', async () => {
    // Prepare: a timer writes 3 MB, then throws, while the runtime waits for its next invocation
    await writeFile(join(taskRoot, 'loud-timer.mjs'), `export const handler = async (event) => {
      if (event.leave) setTimeout(() => { process.stdout.write('w'.repeat(3 << 20) + '\\n'); throw new Error('after much output'); }, 200);
      return { pid: process.pid };
    };`);
    await startInit({ _HANDLER: 'loud-timer.handler' });
    const { body } = await invoke('req-loud', { leave: true });
    await runtimeEnds(body.pid, 'error');
    // Act
    const next = await invoke('req-after-loud', {});
    // Assess
    expect(next).toMatchObject({ outcome: 'error', body: { errorType: 'Error', errorMessage: 'after much output' } });
    expect(next.logs).toContain(`${'w'.repeat(1000)}`);
    expect(next.logs).toMatch(/Uncaught Exception \t\{"errorType":"Error","errorMessage":"after much output"/);
  });

  it('fails the next invocation with Runtime.ExitError when its runtime ended while it waited (a timer called process.exit)', async () => {
    // Prepare
    await writeFile(join(taskRoot, 'exit-timer.mjs'), `export const handler = async (event) => {
      if (event.exit) setTimeout(() => { console.log('leaving'); process.exit(3); }, 200);
      return { pid: process.pid };
    };`);
    await startInit({ _HANDLER: 'exit-timer.handler' });
    const { body } = await invoke('req-exit', { exit: true });
    await runtimeEnds(body.pid, 'timer');
    // Act
    const next = await invoke('req-after-exit', {});
    const after = await invoke('req-after-that', {});
    // Assess
    expect(next).toMatchObject({ outcome: 'error', body: { errorType: 'Runtime.ExitError', errorMessage: 'RequestId: req-after-exit Error: Runtime exited with error: exit status 3' } });
    expect(next.logs).toMatch(/INFO\tleaving[\s\S]*START RequestId: req-after-exit[\s\S]*RequestId: req-after-exit Error: Runtime exited with error: exit status 3/);
    expect(after.outcome).toBe('response');
    expect(after.body.pid).not.toBe(body.pid);
  });

  it('fails the next invocation with an error that came while it was being handed over, its output still flushing', async () => {
    // Prepare: while the runtime waits, a timer queues 4 MiB of output, marks that it began, stays busy 1 s and throws;
    // the next invocation is sent during that second, so it reaches the runtime while the error's output flushes
    const marker = join(taskRoot, 'busy-timer-began');
    await writeFile(join(taskRoot, 'busy-timer.mjs'), `import { writeFileSync } from 'node:fs';
    export const handler = async (event) => {
      if (event.leave) setTimeout(() => {
        process.stdout.write('q'.repeat(4 << 20) + '\\n');
        writeFileSync(event.leave, '');
        for (const end = Date.now() + 1000; Date.now() < end; );
        throw new Error('came during the handover');
      }, 200);
      return 'answered';
    };`);
    await startInit({ _HANDLER: 'busy-timer.handler', AWS_LAMBDA_FUNCTION_TIMEOUT: '10' });
    await invoke('req-busy', { leave: marker });
    await waitFor('the timer to begin', async () => (existsSync(marker) ? true : undefined), { timeoutMs: 10_000, intervalMs: 10 });
    // Act
    const next = await invoke('req-during-handover', {});
    // Assess
    expect(next).toMatchObject({ outcome: 'error', body: { errorType: 'Error', errorMessage: 'came during the handover' } });
  });

  it('keeps LocalStack\'s own variables from the function', async () => {
    // Prepare
    await writeFile(join(taskRoot, 'env.mjs'), 'export const handler = async () => Object.keys(process.env);');
    await startInit({ _HANDLER: 'env.handler' });
    // Act
    const answered = await invoke('req-env', {});
    // Assess
    const names = answered.body as unknown as string[];
    expect(names).toEqual(expect.arrayContaining(['AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_RUNTIME_API', '_HANDLER']));
    expect(names.filter((name) => name.startsWith('LOCALSTACK_') || name.startsWith('KIT_') || name === 'PYTHONPATH')).toEqual([]);
  });

  it('loads the handler as Lambda does: CommonJS .js before .mjs, with require; .js in a "type": "module" package with import', async () => {
    // Prepare
    await writeFile(join(taskRoot, 'pick.js'), "exports.handler = async () => ({ loaded: 'pick.js' });");
    await writeFile(join(taskRoot, 'pick.mjs'), "export const handler = async () => ({ loaded: 'pick.mjs' });");
    await mkdir(join(taskRoot, 'typed'), { recursive: true });
    await writeFile(join(taskRoot, 'typed', 'package.json'), '{"type":"module"}');
    await writeFile(join(taskRoot, 'typed', 'index.js'), "export const handler = async () => ({ loaded: 'typed/index.js', moduleScope: typeof module === 'undefined' });");
    // Act
    await startInit({ _HANDLER: 'pick.handler' });
    const commonJs = await invoke('req-pick', {});
    init?.kill('SIGKILL');
    await startInit({ _HANDLER: 'typed/index.handler' });
    const esModule = await invoke('req-typed', {});
    // Assess
    expect(commonJs.body).toEqual({ loaded: 'pick.js' });
    expect(esModule.body).toEqual({ loaded: 'typed/index.js', moduleScope: true });
  });

  it('ends with its function process when its stdin closes, as when LocalStack is killed', async () => {
    // Prepare
    await startInit();
    const { body } = await invoke('req-pid', {});
    const exited = new Promise<number | null>((resolve) => init!.once('exit', (code) => resolve(code)));
    // Act
    init!.stdin!.end();
    // Assess
    expect(await exited).toBe(0);
    await waitFor('the function process to end', async () => (processAlive(Number(body.pid)) ? undefined : true), { timeoutMs: 5_000, intervalMs: 50 });
  });
});

describe.skipIf(skipReason !== undefined)('the embedded emulator\'s Node runtime', () => {
  let stack: EmbeddedStack | undefined;

  beforeAll(async () => {
    stack = await startEmbeddedStack({ namePrefix: 'kit-runtime-it' });
  });
  afterAll(async () => {
    await stack?.emulator.stop();
  });

  async function createProbe(FunctionName: string, runtime: Runtime, timeout = 3): Promise<void> {
    await createTestFunction(stack!, FunctionName, { 'index.mjs': probeFunctionSource }, { runtime, timeout });
  }

  it('loads a CommonJS index.js as Lambda does, even where the code is unpacked below a "type": "module" package', async () => {
    // Prepare: the kit's own checkout is such a package, and the shared emulator unpacks code inside it
    await writeFile(join(dirname(stack!.emulator.logFile), 'package.json'), '{"type": "module"}');
    const { lambda } = stack!.deployment.clients;
    const source = 'exports.handler = async () => ({ loadedAs: typeof module === "object" ? "commonjs" : "module" });';
    await createTestFunction(stack!, 'kit-runtime-cjs', { 'index.js': source });
    // Act
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'kit-runtime-cjs', Payload: '{}' }));
    // Assess
    expect(response.FunctionError).toBeUndefined();
    expect(JSON.parse(new TextDecoder().decode(response.Payload))).toEqual({ loadedAs: 'commonjs' });
  });

  it('loads an index.js written as an ES module, with no package.json, as Node 22 on Lambda does: require() detects the syntax', async () => {
    // Prepare: nothing above /var/task on Lambda says how to read a .js file, so Node looks at its syntax
    const { lambda } = stack!.deployment.clients;
    const source = 'const loadedAs = typeof module === "undefined" ? "module" : "commonjs";\nexport const handler = async () => ({ loadedAs });';
    await createTestFunction(stack!, 'kit-runtime-esm-js', { 'index.js': source });
    // Act
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'kit-runtime-esm-js', Payload: '{}' }));
    // Assess
    expect(new TextDecoder().decode(response.Payload)).toBe('{"loadedAs":"module"}');
    expect(response.FunctionError).toBeUndefined();
  });

  it('resolves a bare module name from the code’s root, as NODE_PATH (ending in /var/task) makes Lambda resolve it', async () => {
    // Prepare
    const { lambda } = stack!.deployment.clients;
    const files = {
      'handlers/index.js': "const helper = require('lib/helper');\nexports.handler = async () => ({ answer: helper(), runtimeDir: typeof process.env.LAMBDA_RUNTIME_DIR });",
      'lib/helper.js': "module.exports = () => 'helped';",
    };
    await createTestFunction(stack!, 'kit-runtime-node-path', files, { handler: 'handlers/index.handler' });
    // Act
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'kit-runtime-node-path', Payload: '{}' }));
    // Assess
    expect(new TextDecoder().decode(response.Payload)).toBe('{"answer":"helped","runtimeDir":"string"}');
  });

  it('unpacks the zip with its files’ modes, so that a tool the zip marks executable runs, as on Lambda', async () => {
    // Prepare
    const { lambda } = stack!.deployment.clients;
    const files = {
      'index.mjs': "import { execFileSync } from 'node:child_process';\nexport const handler = async () => execFileSync('./bin/tool.sh', { encoding: 'utf8' }).trim();",
      'bin/tool.sh': '#!/bin/sh\necho ran',
    };
    await createTestFunction(stack!, 'kit-runtime-modes', files, { modes: { 'bin/tool.sh': 0o755 } });
    // Act
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'kit-runtime-modes', Payload: '{}' }));
    // Assess
    expect(new TextDecoder().decode(response.Payload)).toBe('"ran"');
  });

  /** A warm function whose unpacked code vanishes, then whose runtime crashes: its next start fails once. */
  async function breakNextStart(FunctionName: string): Promise<void> {
    const { lambda } = stack!.deployment.clients;
    await createProbe(FunctionName, 'nodejs22.x');
    await lambda.send(new InvokeCommand({ FunctionName, Payload: '{}' }));
    // The emulator unpacks code into a folder of its own, named after its process.
    const functions = join(dirname(stack!.emulator.logFile), 'functions');
    const own = (await readdir(functions)).find((name) => name.startsWith(`${stack!.emulator.pid}-`));
    if (!own) throw new Error(`no folder of the emulator's process ${stack!.emulator.pid} under ${functions}`);
    for (const name of await readdir(join(functions, own))) {
      if (name.startsWith(`${FunctionName}-`)) await rm(join(functions, own, name), { recursive: true });
    }
    await lambda.send(new InvokeCommand({ FunctionName, Payload: '{"crash": true}' }));
  }

  it('says so when it cannot start a runtime, and starts it anew on the next invocation', async () => {
    // Prepare
    const { lambda } = stack!.deployment.clients;
    await breakNextStart('kit-runtime-vanished');
    const once = new LambdaClient({ endpoint: stack!.target.endpoint, region: stack!.target.region, credentials: stack!.target.credentials, maxAttempts: 1 });
    // Act
    const failed = await once.send(new InvokeCommand({ FunctionName: 'kit-runtime-vanished', Payload: '{}' })).then(() => 'answered', (error: Error) => `${error.name}: ${error.message}`);
    const next = await lambda.send(new InvokeCommand({ FunctionName: 'kit-runtime-vanished', Payload: '{}' }));
    // Assess
    expect(failed).toMatch(/^ServiceException: the emulator could not start the runtime of kit-runtime-vanished: .*No such file or directory/);
    expect(next.FunctionError).toBeUndefined();
  });

  it('retries an asynchronous event whose runtime could not start, as a failed attempt, instead of losing it', async () => {
    // Prepare
    await breakNextStart('kit-runtime-vanished-async');
    const markerDir = await mkdtemp(join(tmpdir(), 'backup-kit-started-'));
    const startedMarker = join(markerDir, 'started');
    try {
      // Act
      await stack!.deployment.clients.lambda.send(new InvokeCommand({ FunctionName: 'kit-runtime-vanished-async', InvocationType: 'Event', Payload: JSON.stringify({ startedMarker }) }));
      // Assess: its next attempt ran the function
      await waitFor('the retried event to run', async () => (existsSync(startedMarker) ? true : undefined), { timeoutMs: 15_000, intervalMs: 50 });
      expect(await stack!.emulator.log()).not.toContain('event lost by the emulator');
    } finally {
      await rm(markerDir, { recursive: true, force: true });
    }
  });

  it('retries, then parks, an asynchronous event of a function whose code cannot be unpacked, instead of losing it', async () => {
    // Prepare: a zip that is one (S3 and Lambda take it) whose file's bytes fail their check, and the stack's
    // failed-events queue as its on-failure destination
    const { lambda, sqs } = stack!.deployment.clients;
    const { BackupFunctionName, FailedEventsQueueUrl, FailedEventsQueueArn } = stack!.deployment.outputs;
    const FunctionName = 'kit-runtime-corrupt-zip';
    const zip = await zipOfFiles({ 'index.mjs': 'export const handler = async () => "never runs";' });
    const dataStart = 30 + zip.readUInt16LE(26) + zip.readUInt16LE(28);
    zip[dataStart] = zip[dataStart]! ^ 0xff;
    const { Role } = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: BackupFunctionName }));
    await lambda.send(new CreateFunctionCommand({ FunctionName, Runtime: 'nodejs22.x', Handler: 'index.handler', Role, Code: { ZipFile: zip } }));
    await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName, MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: FailedEventsQueueArn } } }));
    // Act
    await lambda.send(new InvokeCommand({ FunctionName, InvocationType: 'Event', Payload: '{"corrupt": true}' }));
    // Assess: both attempts failed as Lambda's own failure, and the event was parked with them
    const record = await waitFor('the event to be parked', async () => {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: FailedEventsQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const records = Messages.map((message) => JSON.parse(message.Body!) as { requestContext: { functionArn: string; condition: string; approximateInvokeCount: number }; responsePayload: { errorMessage?: string } });
      return records.find((parked) => parked.requestContext.functionArn.includes(`:${FunctionName}:`));
    }, { timeoutMs: 15_000 });
    expect(record.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 2 });
    expect(record.responsePayload.errorMessage).toMatch(/could not start the runtime of kit-runtime-corrupt-zip: could not unpack its code/);
    expect(await stack!.emulator.log()).not.toContain('event lost by the emulator');
    const functions = join(dirname(stack!.emulator.logFile), 'functions');
    const unpacked = (await readdir(functions, { recursive: true })).filter((name) => name.includes(FunctionName));
    expect(unpacked, 'no half-unpacked folder is left').toEqual([]);
  });

  it('refuses a runtime it cannot run, naming what it can', async () => {
    // Prepare
    await createProbe('kit-runtime-python', 'python3.12');
    // Act
    const invoke = stack!.deployment.clients.lambda.send(new InvokeCommand({ FunctionName: 'kit-runtime-python', Payload: '{}' }));
    // Assess
    await expect(invoke).rejects.toThrow(/^runtime 'python3\.12' is not supported by the kit's Lambda executor, which runs Node\.js only: use one of (nodejs\d+\.x, )*nodejs22\.x/);
  });

  it('stops the Node process of a deleted function without waiting for another invocation', async () => {
    // Prepare
    const { lambda } = stack!.deployment.clients;
    await createProbe('kit-runtime-deleted', 'nodejs22.x');
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'kit-runtime-deleted', Payload: '{}' }));
    const { pid } = JSON.parse(new TextDecoder().decode(response.Payload)) as { pid: number };
    // Act
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'kit-runtime-deleted' }));
    // Assess
    expect(pid).toBeGreaterThan(0);
    await waitFor('the deleted function\'s process to end', async () => (processAlive(pid) ? undefined : true), { timeoutMs: 5_000, intervalMs: 50 });
  });

  it('stops the processes a deleted function started, not only its own', async () => {
    // Prepare
    const { lambda } = stack!.deployment.clients;
    await createProbe('kit-runtime-parent', 'nodejs22.x');
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'kit-runtime-parent', Payload: JSON.stringify({ spawnChild: true }) }));
    const { childPid } = JSON.parse(new TextDecoder().decode(response.Payload)) as { childPid: number };
    // Act
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'kit-runtime-parent' }));
    // Assess
    expect(childPid).toBeGreaterThan(0);
    await waitFor('the process the function started to end', async () => (processAlive(childPid) ? undefined : true), { timeoutMs: 5_000, intervalMs: 50 });
  });

  it('deletes a function at once while an invocation runs in it, which ends as a crash instead of holding the deletion to its timeout', async () => {
    // Prepare
    const { lambda } = stack!.deployment.clients;
    await createProbe('kit-runtime-deleted-busy', 'nodejs22.x', 20);
    const markerDir = await mkdtemp(join(tmpdir(), 'backup-kit-started-'));
    const startedMarker = join(markerDir, 'started');
    const invocation = lambda.send(new InvokeCommand({ FunctionName: 'kit-runtime-deleted-busy', Payload: JSON.stringify({ sleepMs: 15_000, startedMarker }) }));
    try {
      await waitFor('the invocation to start', async () => (existsSync(startedMarker) ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
      // Act
      await lambda.send(new DeleteFunctionCommand({ FunctionName: 'kit-runtime-deleted-busy' }));
      const response = await invocation;
      // Assess
      expect(response.FunctionError).toBe('Unhandled');
      expect(JSON.parse(new TextDecoder().decode(response.Payload))).toEqual({ errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(/^RequestId: \S+ Error: Runtime exited with error: signal: killed$/) });
    } finally {
      await rm(markerDir, { recursive: true, force: true });
    }
  });

  it('runs nodejs22.x on Node 22, and the function process and what it started end when the emulator is killed with SIGKILL', async () => {
    // Prepare
    await createProbe('kit-runtime-probe', 'nodejs22.x');
    const response = await stack!.deployment.clients.lambda.send(new InvokeCommand({ FunctionName: 'kit-runtime-probe', Payload: '{"spawnChild": true}' }));
    const answer = JSON.parse(new TextDecoder().decode(response.Payload)) as { node: string; pid: number; childPid: number };
    // Act
    process.kill(stack!.emulator.pid!, 'SIGKILL');
    // Assess
    expect(answer.node).toMatch(/^v22\./);
    expect(answer.childPid).toBeGreaterThan(0);
    await waitFor('the function process and its child to end', async () => (processAlive(answer.pid) || processAlive(answer.childPid) ? undefined : true), {
      timeoutMs: 5_000,
      intervalMs: 50,
    });
  });

  it('ends a function process busy in a synchronous loop, and what it started, when the emulator is killed with SIGKILL', async () => {
    // Prepare: a fresh emulator (the test above killed the suite's), and an invocation that keeps the function's thread busy
    const busyStack = await startEmbeddedStack({ namePrefix: 'kit-runtime-busy' });
    const markerDir = await mkdtemp(join(tmpdir(), 'backup-kit-busy-'));
    const startedMarker = join(markerDir, 'started');
    let started: { pid: number; childPid: number } | undefined;
    try {
      await createTestFunction(busyStack, 'kit-runtime-busy', { 'index.mjs': probeFunctionSource }, { runtime: 'nodejs22.x', timeout: 60 });
      await busyStack.deployment.clients.lambda.send(
        new InvokeCommand({ FunctionName: 'kit-runtime-busy', InvocationType: 'Event', Payload: JSON.stringify({ spawnChild: true, spinMs: 60_000, startedMarker }) }),
      );
      started = await waitFor('the invocation to start', async () => (existsSync(startedMarker) ? (JSON.parse(await readFile(startedMarker, 'utf8')) as { pid: number; childPid: number }) : undefined), {
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      // Act
      process.kill(busyStack.emulator.pid!, 'SIGKILL');
      // Assess
      await waitFor('the busy function process and its child to end', async () => (processAlive(started!.pid) || processAlive(started!.childPid) ? undefined : true), {
        timeoutMs: 5_000,
        intervalMs: 50,
      });
    } finally {
      for (const pid of [started?.pid, started?.childPid]) if (pid && processAlive(pid)) process.kill(pid, 'SIGKILL');
      await busyStack.emulator.stop();
      await rm(markerDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(skipReason !== undefined)("the kit's bootstrap started by hand", () => {
  it('polls its Runtime API with a stdin that is no pipe, which gives it no lifeline to end on', async () => {
    // Prepare: a Runtime API that holds /next, and a handler
    const polled: string[] = [];
    const server = createServer((request) => polled.push(`${request.method} ${request.url}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const taskRoot = await mkdtemp(join(tmpdir(), 'backup-kit-bootstrap-'));
    await writeFile(join(taskRoot, 'index.mjs'), 'export const handler = async () => "ran";');
    const port = (server.address() as { port: number }).port;
    // Act
    const runtime = spawn(functionNodeFor('nodejs22.x'), [join(lambdaRuntimeDir, 'kit_lambda_runtime', 'bootstrap.mjs')], {
      stdio: ['ignore', 'ignore', 'ignore'],
      env: { PATH: process.env.PATH, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, _HANDLER: 'index.handler', LAMBDA_TASK_ROOT: taskRoot },
    });
    try {
      // Assess
      await waitFor('the runtime to ask for an invocation', async () => (polled.length > 0 ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
      expect(polled).toEqual(['GET /2018-06-01/runtime/invocation/next']);
      expect(runtime.exitCode).toBeNull();
    } finally {
      runtime.kill('SIGKILL');
      server.closeAllConnections();
      server.close();
      await rm(taskRoot, { recursive: true, force: true });
    }
  });
});

describe.skipIf(skipReason !== undefined)('the Node binary of a runtime, outside the emulators', () => {
  it('is the one the executor runs nodejs22.x functions with, and an unknown runtime is named with what would work', () => {
    // Prepare
    const runtimes = ['nodejs22.x', 'nodejs99.x'] as const;
    // Act
    const node22 = functionNodeFor(runtimes[0]);
    const refusal = (() => {
      try {
        return functionNodeFor(runtimes[1]);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    // Assess
    expect(spawnSync(node22, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^v22\./);
    expect(refusal).toMatch(/^no Node binary for nodejs99\.x: runtime nodejs99\.x needs Node 99, which is not installed here: use one of (nodejs\d+\.x, )*nodejs22\.x/);
  });
});
