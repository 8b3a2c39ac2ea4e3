import { InvokeCommand } from '@aws-sdk/client-lambda';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { processAlive } from '../../scripts/lib/process-alive.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { processEnded } from '../support/process-ended.js';
import { createTestFunction, printEmulatorLogOnFailure, startEmbeddedStack, type EmbeddedStack } from './support/embedded.js';

// Handlers written every way Node's Lambda programming model allows, run by the kit's runtime (bootstrap.mjs)
// in the embedded emulator; the expectations are what the managed nodejs runtime answers for the same code.

type Answer = { payload: unknown; functionError: string | undefined; logs: string };

describe("the kit's runtime follows Lambda's Node.js programming model", () => {
  let stack: EmbeddedStack | undefined;
  let created = 0;
  let markerDir: string;

  beforeAll(async () => {
    markerDir = await mkdtemp(join(tmpdir(), 'backup-kit-model-'));
    stack = await startEmbeddedStack({ namePrefix: 'kit-model-it', env: { KIT_EMULATOR_IDLE_ENVIRONMENT_S: '1' } });
  });
  afterAll(async () => {
    await stack?.emulator.stop();
    await rm(markerDir, { recursive: true, force: true });
  });
  beforeEach(() => printEmulatorLogOnFailure(() => stack));

  /** Creates a function from these files and returns its name. */
  async function createFunction(files: Record<string, string>, Handler = 'index.handler', Timeout = 3): Promise<string> {
    created += 1;
    const FunctionName = `kit-model-${created}`;
    await createTestFunction(stack!, FunctionName, files, { handler: Handler, timeout: Timeout });
    return FunctionName;
  }

  /** Waits until the runtime process (its pid, as a handler returned it) has ended, by the cause named. */
  const runtimeEnds = (runtimePid: unknown, by: string) =>
    waitFor(`the runtime to end by its ${by}`, async () => ((await processEnded(runtimePid as number)) ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });

  /** A process's state as Linux's /proc gives it ("T": stopped). */
  const processState = async (pid: number) => (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /s, '').charAt(0);

  async function invoke(FunctionName: string, event: object = {}): Promise<Answer> {
    const response = await stack!.deployment.clients.lambda.send(new InvokeCommand({ FunctionName, Payload: JSON.stringify(event), LogType: 'Tail' }));
    const text = new TextDecoder().decode(response.Payload);
    return { payload: text ? JSON.parse(text) : undefined, functionError: response.FunctionError, logs: Buffer.from(response.LogResult ?? '', 'base64').toString() };
  }

  it('ignores what a handler returns unless it is a promise, and answers null once its event loop is empty', async () => {
    // Prepare
    const name = await createFunction({ 'index.js': 'exports.handler = () => { setTimeout(() => console.log("timer ran"), 300); return { ignored: true }; };' });
    // Act
    const answer = await invoke(name);
    // Assess
    expect(answer).toMatchObject({ payload: null, functionError: undefined });
    expect(answer.logs).toMatch(/INFO\ttimer ran[\s\S]*END RequestId/);
  });

  it('answers a callback once the event loop is empty, or at once when callbackWaitsForEmptyEventLoop is false', async () => {
    // Prepare: both leave an interval running, as a database pool does
    const source = `exports.handler = (event, context, callback) => {
      context.callbackWaitsForEmptyEventLoop = event.wait;
      global.pool ??= setInterval(() => {}, 1000);
      callback(null, { waited: event.wait });
    };`;
    const name = await createFunction({ 'index.js': source }, 'index.handler', 2);
    // Act
    const atOnce = await invoke(name, { wait: false });
    const waiting = await invoke(name, { wait: true });
    // Assess
    expect(atOnce).toMatchObject({ payload: { waited: false }, functionError: undefined });
    expect(waiting.functionError).toBe('Unhandled');
    expect(waiting.payload).toMatchObject({ errorType: 'Sandbox.Timedout' });
  });

  it('answers a waiting callback with its result once the event loop is empty, after what was still running', async () => {
    // Prepare
    const source = `exports.handler = (event, context, callback) => {
      setTimeout(() => console.log('timer ran'), 300);
      callback(null, { waited: true });
    };`;
    const name = await createFunction({ 'index.js': source });
    // Act
    const answer = await invoke(name);
    // Assess
    expect(answer).toMatchObject({ payload: { waited: true }, functionError: undefined });
    expect(answer.logs).toMatch(/INFO\ttimer ran[\s\S]*END RequestId/);
  });

  it('lets the first way an invocation ends count: a callback before the promise resolves, a callback before context.succeed', async () => {
    // Prepare
    const beforePromise = await createFunction({ 'index.mjs': 'export const handler = async (event, context, callback) => { callback(null, { from: "callback" }); };' });
    const beforeSucceed = await createFunction({
      'index.js': 'exports.handler = (event, context, callback) => { callback(null, { from: "callback" }); setTimeout(() => context.succeed({ from: "succeed" }), 100); };',
    });
    // Act
    const answers = [await invoke(beforePromise), await invoke(beforeSucceed)];
    // Assess
    expect(answers.map((answer) => answer.payload)).toEqual([{ from: 'callback' }, { from: 'callback' }]);
  });

  it("logs an error as the managed runtime does: its code and own properties, the stack in lines, and what is no Error wrapped in one", async () => {
    // Prepare: an SDK-like error (its code, $metadata and $fault are its own properties) and a thrown string
    const source = `exports.handler = async (event) => {
      if (event.throw === 'string') throw 'plain string';
      throw Object.assign(new Error('boom'), { code: 'E_CODE', $fault: 'server', $metadata: { httpStatusCode: 503 } });
    };`;
    const name = await createFunction({ 'index.js': source });
    // Act
    const [sdkLike, thrownString] = [await invoke(name), await invoke(name, { throw: 'string' })];
    // Assess: the answers keep the managed runtime's answer shape; the log lines its log shape
    const logged = (answer: Answer) => JSON.parse(/Invoke Error \t(\{.*\})/.exec(answer.logs)![1]!) as Record<string, unknown>;
    expect(sdkLike.payload).toMatchObject({ errorType: 'Error', errorMessage: 'boom', trace: expect.any(Array) });
    expect(logged(sdkLike)).toMatchObject({ errorType: 'Error', errorMessage: 'boom', code: 'E_CODE', $fault: 'server', $metadata: { httpStatusCode: 503 } });
    expect(logged(sdkLike).stack).toEqual(expect.arrayContaining(['Error: boom']));
    expect(logged(sdkLike)).not.toHaveProperty('trace');
    expect(thrownString.payload).toEqual({ errorType: 'string', errorMessage: 'plain string', trace: [] });
    expect(logged(thrownString)).toMatchObject({ errorType: 'Error', errorMessage: 'plain string' });
  });

  it('answers context.succeed, context.fail and context.done at once', async () => {
    // Prepare
    const source = `exports.handler = (event, context) => {
      setTimeout(() => {}, 5000);
      if (event.how === 'succeed') context.succeed({ how: 'succeed' });
      if (event.how === 'done') context.done(null, { how: 'done' });
      if (event.how === 'fail') context.fail(new RangeError('asked to fail'));
    };`;
    const name = await createFunction({ 'index.js': source }, 'index.handler', 2);
    // Act
    const answers = [await invoke(name, { how: 'succeed' }), await invoke(name, { how: 'done' }), await invoke(name, { how: 'fail' })];
    // Assess
    expect(answers.map((answer) => [answer.payload, answer.functionError])).toEqual([
      [{ how: 'succeed' }, undefined],
      [{ how: 'done' }, undefined],
      [expect.objectContaining({ errorType: 'RangeError', errorMessage: 'asked to fail' }), 'Unhandled'],
    ]);
    expect(answers[2]!.logs).toMatch(/ERROR\tInvoke Error \t\{"errorType":"RangeError"/);
  });

  it("never answers a later invocation with an earlier one's late result or context.succeed", async () => {
    // Prepare: the first invocation ends (its loop empties) before its own promise and timer answer, 300 ms later
    const source = `export const handler = async (event, context) => {
      if (event.late) {
        setTimeout(() => context.succeed('late succeed of the first'), 300).unref();
        await new Promise((resolve) => setTimeout(resolve, 300).unref());
        return 'late result of the first';
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return 'the second';
    };`;
    const name = await createFunction({ 'index.mjs': source });
    // Act
    const first = await invoke(name, { late: true });
    const second = await invoke(name);
    // Assess
    expect(first.payload).toMatchObject({ errorType: 'Runtime.NodeJsExit' });
    expect(second).toMatchObject({ payload: 'the second', functionError: undefined });
  });

  it('freezes the runtime between invocations, as Lambda does: a timer left behind runs in the next invocation, which fails with its error', async () => {
    // Prepare: an invocation leaves a timer that throws 200 ms after it answered
    const marker = join(markerDir, 'thrown');
    const source = `import { writeFileSync } from 'node:fs';
    export const handler = async (event) => {
      if (event.leave) setTimeout(() => { console.log('timer fires'); writeFileSync(event.leave, ''); throw new Error('left behind'); }, 200);
      return process.pid;
    };`;
    const name = await createFunction({ 'index.mjs': source });
    const { payload: runtimePid } = await invoke(name, { leave: marker });
    await new Promise((resolve) => setTimeout(resolve, 800));
    const stateWhileIdle = await processState(runtimePid as number);
    const timerRanWhileIdle = existsSync(marker);
    // Act
    const next = await invoke(name);
    const after = await invoke(name);
    // Assess: nothing ran while it waited (stopped, "T"); the next invocation carries the error and its lines, the one
    // after runs on a new runtime
    expect(stateWhileIdle).toBe('T');
    expect(timerRanWhileIdle).toBe(false);
    expect(next).toMatchObject({ payload: { errorType: 'Error', errorMessage: 'left behind' }, functionError: 'Unhandled' });
    expect(next.logs).toMatch(/INFO\ttimer fires[\s\S]*Uncaught Exception \t\{"errorType":"Error","errorMessage":"left behind"[\s\S]*Error: Runtime exited with error: exit status 129/);
    expect(after.functionError).toBeUndefined();
    expect(after.payload).not.toBe(runtimePid);
    // Its new runtime started inside it (Lambda's suppressed init): no Init Duration.
    expect(after.logs).toMatch(/REPORT RequestId: \S+\tDuration/);
    expect(after.logs).not.toContain('Init Duration');
  });

  it("keeps all that the init wrote before the first invocation's START, although the runtime is frozen once it asks for it", async () => {
    // Prepare: an init that writes 4 MiB, more than a pipe holds, then a last line
    const source = `process.stdout.write('i'.repeat(4 << 20) + '\\n');
    console.log('INIT-END');
    export const handler = async () => 'ran';`;
    const name = await createFunction({ 'index.mjs': source });
    // Act
    const first = await invoke(name);
    // Assess
    expect(first.payload).toBe('ran');
    const lines = first.logs.split('\n');
    const initEnd = lines.findIndex((line) => line.endsWith('\tINFO\tINIT-END'));
    expect(initEnd).toBeGreaterThanOrEqual(0);
    expect(initEnd).toBeLessThan(lines.findIndex((line) => line.startsWith('START RequestId: ')));
  });

  it('fails the next invocation with Runtime.ExitError when a timer the last one left calls process.exit, as it runs once thawed', async () => {
    // Prepare
    const source = `export const handler = async (event) => {
      if (event.exit) setTimeout(() => { console.log('leaving'); process.exit(3); }, 200);
      return process.pid;
    };`;
    const name = await createFunction({ 'index.mjs': source });
    const { payload: runtimePid } = await invoke(name, { exit: true });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const endedWhileIdle = await processEnded(runtimePid as number);
    // Act
    const next = await invoke(name);
    const after = await invoke(name);
    // Assess
    expect(endedWhileIdle).toBe(false);
    expect(next).toMatchObject({ payload: { errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(/^RequestId: \S+ Error: Runtime exited with error: exit status 3$/) }, functionError: 'Unhandled' });
    expect(next.logs).toMatch(/START RequestId: \S+[\s\S]*INFO\tleaving[\s\S]*RequestId: \S+ Error: Runtime exited with error: exit status 3\nRuntime\.ExitError/);
    expect(after.functionError).toBeUndefined();
    expect(after.payload).not.toBe(runtimePid);
  });

  it('answers a handler that corked its stdout or ended its stderr, and those after it', async () => {
    // Prepare
    const corking = await createFunction({ 'index.mjs': "export const handler = async () => { process.stdout.cork(); console.log('held'); return 'answered'; };" });
    const ending = await createFunction({ 'index.mjs': "export const handler = async () => { if (!process.stderr.writableEnded) process.stderr.end(); return 'answered'; };" });
    // Act
    const answers = [await invoke(corking), await invoke(corking), await invoke(ending), await invoke(ending), await invoke(ending)];
    // Assess
    for (const answer of answers) expect(answer).toMatchObject({ payload: 'answered', functionError: undefined });
  });

  it("keeps everything a handler logged before it answered in that invocation's logs, a line of 250 KB included", async () => {
    // Prepare: the pipe holds 64 KiB, so a long line is still being written out when the handler returns
    const source = `export const handler = async () => {
      console.log('x'.repeat(250_000));
      console.log('the last line');
      return 'answered';
    };`;
    const name = await createFunction({ 'index.mjs': source });
    // Act
    const answers = [await invoke(name), await invoke(name), await invoke(name)];
    // Assess: each invocation's tail ends with its own last line, then END and REPORT
    for (const answer of answers) {
      expect(answer.payload).toBe('answered');
      expect(answer.logs).toMatch(/INFO\tthe last line\s*END RequestId: \S+\s*REPORT RequestId/);
    }
  });

  it('gives the next invocation a new runtime when the last one stays busy after its answer for longer than a timeout', async () => {
    // Prepare: after its answer the handler keeps its thread busy for 2.5 s, then throws; the timeout is 1 s
    const source = `export const handler = async (event) => {
      if (event.busy) setImmediate(() => { for (const end = Date.now() + 2500; Date.now() < end; ); throw new Error('busy, then broken'); });
      return 'answered';
    };`;
    const name = await createFunction({ 'index.mjs': source }, 'index.handler', 1);
    await invoke(name, { busy: true });
    // Act
    const next = await invoke(name);
    // Assess: it did not go to the busy runtime, which would have ended under it
    expect(next).toMatchObject({ payload: 'answered', functionError: undefined });
    expect(next.logs).toMatch(/Runtime exited with error: signal: killed \(after its last answer: a new runtime starts\)[\s\S]*START RequestId/);
  });

  it("keeps a long stderr line in its invocation's logs, and answers a handler that replaced process.stdout.write", async () => {
    // Prepare: stderr shares the pipe; a handler may silence stdout by replacing its write
    const source = `export const handler = async (event) => {
      if (event.silence) process.stdout.write = () => true;
      process.stderr.write('y'.repeat(250_000) + '\\n');
      process.stderr.write('the last stderr line\\n');
      return 'answered';
    };`;
    const name = await createFunction({ 'index.mjs': source });
    // Act
    const answers = [await invoke(name), await invoke(name, { silence: true }), await invoke(name)];
    // Assess
    for (const answer of answers) {
      expect(answer).toMatchObject({ payload: 'answered', functionError: undefined });
      expect(answer.logs).toMatch(/the last stderr line\s*END RequestId: \S+\s*REPORT RequestId/);
    }
  });

  it('fails an async handler whose promise never settles as soon as its event loop is empty, not at its timeout', async () => {
    // Prepare
    const name = await createFunction({ 'index.mjs': 'export const handler = async () => new Promise(() => {});' }, 'index.handler', 30);
    const started = Date.now();
    // Act
    const answer = await invoke(name);
    // Assess
    expect(answer.functionError).toBe('Unhandled');
    expect(answer.payload).toMatchObject({ errorType: 'Runtime.NodeJsExit', errorMessage: expect.stringMatching(/^The Lambda runtime client detected an unexpected Node\.js exit code/) });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails the invocation on an unhandled rejection, and the next invocation runs in a new process', async () => {
    // Prepare
    const source = `export const handler = async (event) => {
      if (event.float) Promise.reject(new Error('floating'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { pid: process.pid };
    };`;
    const name = await createFunction({ 'index.mjs': source });
    const before = (await invoke(name)).payload as { pid: number };
    // Act
    const failed = await invoke(name, { float: true });
    const next = await invoke(name);
    const after = next.payload as { pid: number };
    // Assess
    expect(failed.functionError).toBe('Unhandled');
    expect(failed.payload).toMatchObject({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'Error: floating' });
    expect(failed.logs).toMatch(/ERROR\tUnhandled Promise Rejection \t\{"errorType":"Runtime\.UnhandledPromiseRejection"/);
    expect(next.functionError).toBeUndefined();
    expect(after.pid).not.toBe(before.pid);
  });

  it('keeps an answer already on its way when an error nothing caught ends the process right after it, and fails nothing after', async () => {
    // Prepare: the second handler's answer waits for 1 MB of output to leave the process when its error comes; either
    // error comes before the runtime asks for its next invocation, where Lambda has not frozen it yet
    const quick = await createFunction({ 'index.mjs': 'export const handler = async () => { setImmediate(() => { throw new Error("late"); }); return "answered"; };' });
    const flushing = await createFunction({ 'index.mjs': 'export const handler = async () => { process.stdout.write("z".repeat(1 << 20) + "\\n"); setImmediate(() => { throw new Error("late"); }); return "answered"; };' });
    // Act
    const answers = [await invoke(quick), await invoke(quick), await invoke(flushing), await invoke(flushing)];
    // Assess: each answer goes out; the next invocation runs on a new runtime, the error and the end in its logs
    // (the quick one's: the others' tail, all the log result holds, is their own megabyte)
    for (const answer of answers) expect(answer).toMatchObject({ payload: 'answered', functionError: undefined });
    // The error's line lands in the first invocation's logs when it came before the emulator collected them.
    expect(`${answers[0]!.logs}${answers[1]!.logs}`).toMatch(/"errorMessage":"late"/);
    expect(answers[1]!.logs).toMatch(/Runtime exited with error: exit status 129 \(after its last answer: a new runtime starts\)[\s\S]*START RequestId/);
  });

  it("starts Node with the managed runtime's flags: gc exposed, 80 KB of HTTP headers, a heap sized from the function's memory", async () => {
    // Prepare: 128 MB (the default), and console.fatal, which the managed runtime's console has too
    const name = await createFunction({ 'index.mjs': "export const handler = async () => { console.fatal('the end'); return { gc: typeof globalThis.gc, flags: process.execArgv }; };" });
    // Act
    const answer = await invoke(name);
    // Assess
    expect(answer.payload).toEqual({ gc: 'function', flags: ['--expose-gc', '--max-http-header-size', '81920', '--max-semi-space-size=6', '--max-old-space-size=116'] });
    expect(answer.logs).toMatch(/\tFATAL\tthe end\n/);
  });

  it('gives each invocation an X-Ray trace header, as Lambda does', async () => {
    // Prepare
    const name = await createFunction({ 'index.mjs': 'export const handler = async () => process.env._X_AMZN_TRACE_ID;' });
    // Act
    const answers = [await invoke(name), await invoke(name)];
    // Assess
    const traces = answers.map((answer) => String(answer.payload));
    for (const trace of traces) expect(trace).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    expect(traces[0]).not.toBe(traces[1]);
  });

  it('refuses a payload that is not JSON or larger than 6 MB as the Invoke API does, without retries', async () => {
    // Prepare
    const name = await createFunction({ 'index.mjs': 'export const handler = async (event) => event;' });
    const send = (Payload: string) =>
      stack!.deployment.clients.lambda.send(new InvokeCommand({ FunctionName: name, Payload })).then(
        () => 'answered',
        (error: { name: string; $metadata: { httpStatusCode?: number; attempts?: number } }) => [error.name, error.$metadata.httpStatusCode, error.$metadata.attempts],
      );
    // Act
    const answers = [await send('{"not": json'), await send(JSON.stringify({ filler: 'x'.repeat(7 * 1024 * 1024) }))];
    // Assess
    expect(answers).toEqual([
      ['InvalidRequestContentException', 400, 1],
      ['RequestEntityTooLargeException', 413, 1],
    ]);
  });

  it('takes an asynchronous event of up to 1 MB, and answers a response up to 6 MB, as the Invoke API does', async () => {
    // Prepare: a function that answers as many bytes as asked
    const name = await createFunction({ 'index.mjs': "export const handler = async ({ bytes }) => 'x'.repeat(bytes - 2);" });
    const { lambda } = stack!.deployment.clients;
    const event = (bytes: number) =>
      lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: JSON.stringify({ filler: 'x'.repeat(bytes - '{"filler":""}'.length) }) })).then(
        (answer) => answer.StatusCode,
        (error: { name: string; $metadata: { httpStatusCode?: number } }) => `${error.$metadata.httpStatusCode} ${error.name}`,
      );
    const answerOf = async (bytes: number) => {
      const response = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ bytes }) }));
      return response.FunctionError ? JSON.parse(new TextDecoder().decode(response.Payload)).errorType : response.Payload?.length;
    };
    // Act
    const events = [await event(1024 * 1024), await event(1024 * 1024 + 1)];
    const answers = [await answerOf(6_100_000), await answerOf(6_291_556), await answerOf(6_291_557)];
    // Assess: a JSON string's quotes count; Lambda's limit on a response is 6,291,556 bytes
    expect(events).toEqual([202, '413 RequestEntityTooLargeException']);
    expect(answers).toEqual([6_100_000, 6_291_556, 'Function.ResponseSizeTooLarge']);
  });

  it('reports an error whose name is not ASCII, and the next invocation runs', async () => {
    // Prepare
    const source = `export const handler = async (event) => {
      if (event.fail) throw Object.assign(new Error('检查失败'), { name: '校验错误' });
      return 'fine';
    };`;
    const name = await createFunction({ 'index.mjs': source });
    // Act
    const failed = await invoke(name, { fail: true });
    const next = await invoke(name);
    // Assess
    expect(failed).toMatchObject({ functionError: 'Unhandled', payload: { errorType: '校验错误', errorMessage: '检查失败' } });
    expect(next).toMatchObject({ functionError: undefined, payload: 'fine' });
  });

  // One handler, one invocation, the error the managed runtime answers with.
  it.each<{ what: string; files: Record<string, string>; payload: unknown }>([
    {
      what: 'an unhandled rejection the module left behind, as an init error (not a timeout)',
      files: { 'index.js': 'Promise.reject(new Error("init boom")); exports.handler = async () => "never";' },
      payload: expect.objectContaining({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'Error: init boom' }),
    },
    {
      what: 'a result JSON cannot hold',
      files: { 'index.mjs': 'export const handler = async () => ({ size: 1n });' },
      payload: expect.objectContaining({ errorType: 'Error', errorMessage: 'Unable to stringify response body' }),
    },
    {
      what: 'a process ended with exit code 0, as Lambda words it',
      files: { 'index.mjs': 'export const handler = async () => process.exit(0);' },
      payload: expect.objectContaining({ errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(/^RequestId: \S+ Error: Runtime exited without providing a reason$/) }),
    },
    {
      what: 'an object thrown with a name and a message but no stack: an object',
      files: { 'index.mjs': 'export const handler = async () => { throw { name: "ValidationError", message: "bad input" }; };' },
      payload: { errorType: 'object', errorMessage: '[object Object]', trace: [] },
    },
  ])('fails $what as the managed runtime does', async ({ files, payload }) => {
    // Prepare
    const name = await createFunction(files);
    // Act
    const answer = await invoke(name);
    // Assess
    expect(answer.functionError).toBe('Unhandled');
    expect(answer.payload).toEqual(payload);
  });

  it('finds handlers as the managed runtime does: a nested export, a folder, and a dotted path only up to its first dot', async () => {
    // Prepare
    const nested = await createFunction({ 'app.js': 'exports.handlers = { main: async () => "nested" };' }, 'app.handlers.main');
    const folder = await createFunction({ 'lib/index.js': 'exports.handler = async () => "folder";' }, 'lib.handler');
    const dotted = await createFunction({ 'app.v2.js': 'exports.handler = async () => "dotted";' }, 'app.v2.handler');
    const inDirectory = await createFunction({ 'src/handlers/app.mjs': 'export const handler = async () => "in a directory";' }, 'src/handlers/app.handler');
    // Act
    const answers = await Promise.all([nested, folder, dotted, inDirectory].map((name) => invoke(name)));
    // Assess
    expect(answers.map((answer) => answer.payload)).toEqual([
      'nested',
      'folder',
      expect.objectContaining({ errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringMatching(/^Error: Cannot find module 'app'/) }),
      'in a directory',
    ]);
  });

  it('types init failures as the managed runtime does, and refuses response streaming by name', async () => {
    // Prepare
    const escaping = await createFunction({ 'index.js': 'exports.handler = async () => "never";' }, '../outside/index.handler');
    const syntax = await createFunction({ 'index.js': 'exports.handler = async () => {;' });
    const missing = await createFunction({ 'index.js': 'require("not-in-the-zip"); exports.handler = async () => "never";' });
    const defaultOnly = await createFunction({ 'index.mjs': 'export default { handler: async () => "never" };' });
    const streaming = await createFunction({ 'index.mjs': 'export const handler = awslambda.streamifyResponse(async (event, stream) => stream.end());' });
    // Act
    const answers = await Promise.all([escaping, syntax, missing, defaultOnly, streaming].map((name) => invoke(name)));
    // Assess
    expect(answers.map((answer) => [(answer.payload as { errorType: string }).errorType, answer.functionError])).toEqual([
      ['Runtime.MalformedHandlerName', 'Unhandled'],
      ['Runtime.UserCodeSyntaxError', 'Unhandled'],
      ['Runtime.ImportModuleError', 'Unhandled'],
      ['Runtime.HandlerNotFound', 'Unhandled'],
      ['Runtime.StreamingNotSupported', 'Unhandled'],
    ]);
  });

  it('stops the spare environments a burst left once they idle, keeping the last one used warm', async () => {
    // Prepare: four invocations at once run in four environments
    const name = await createFunction({ 'index.mjs': 'export const handler = async () => { await new Promise((resolve) => setTimeout(resolve, 500)); return process.pid; };' });
    const pids = (await Promise.all([1, 2, 3, 4].map(() => invoke(name)))).map((answer) => Number(answer.payload));
    // Act: they idle past the emulator's limit (1 s here, 60 s by default)
    await waitFor('the spare environments to stop', async () => (pids.filter(processAlive).length <= 1 ? true : undefined), { timeoutMs: 10_000, intervalMs: 100 });
    const again = await invoke(name);
    // Assess
    expect(new Set(pids).size).toBe(4);
    expect(pids).toContain(Number(again.payload));
  });
});
