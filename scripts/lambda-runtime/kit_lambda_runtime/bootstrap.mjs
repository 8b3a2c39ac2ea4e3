// The kit's runtime interface client for Node.js functions: it speaks the AWS Lambda Runtime API
// (AWS_LAMBDA_RUNTIME_API) as the managed nodejs runtimes do, so the same zip runs here as on Lambda.
// Started by kit_lambda_runtime.environment; plain Node, no dependencies.
// What it reproduces of the managed runtime's programming model (observed behaviour of
// aws-lambda-nodejs-runtime-interface-client): every handler gets the callback; a returned promise answers
// the invocation, anything else is ignored; callback(null, result) answers once the event loop is empty unless
// context.callbackWaitsForEmptyEventLoop is false; context.succeed/fail/done answer at once; a handler that
// never answers is answered when the event loop empties (null, or Runtime.NodeJsExit for an async function);
// an uncaught exception or unhandled rejection fails the invocation (or the init) and ends the process; one that
// comes while the runtime waits for its next invocation is handed to the emulator (the kit's own idle-error path)
// before the process ends, and fails the next invocation, as on Lambda, where the environment is frozen then and
// the timer or promise that throws runs on in the next one.
// It ends its whole process group when its stdin closes or its Runtime API goes away, so neither it nor what the
// function started outlives the emulator that started it.
import http from 'node:http';
import { existsSync, fstatSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format, types } from 'node:util';

const [apiHost, apiPort] = (process.env.AWS_LAMBDA_RUNTIME_API ?? '').split(':');
const API = '/2018-06-01/runtime';
/** The kit's own addition to the Runtime API: an error nothing caught while waiting for the next invocation, for that one. */
const IDLE_ERROR_PATH = `${API}/kit/idle-error`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const EXIT_UNCAUGHT_EXCEPTION = 129;
const EXIT_UNHANDLED_REJECTION = 128;
/** How long an ending process waits for its last output to leave it. */
const FATAL_FLUSH_LIMIT_MS = 2_000;
/** Marks a handler wrapped by awslambda.streamifyResponse. */
const STREAMING = Symbol('streams its response');
const NODE_JS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes';

/** Ends this runtime and everything it started (it leads its own process group), as Lambda ends a sandbox. */
function endSandbox() {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    process.exit(0);
  }
}

// The lifeline: EOF on stdin (the pipe the emulator holds) means the emulator is gone. Unreferenced, so that it
// never keeps the event loop alive: an empty event loop is how a handler that does not answer is answered. Started
// by hand with another stdin (a terminal, /dev/null), the runtime has no lifeline.
const stdinKind = fstatSync(0);
if (stdinKind.isFIFO() || stdinKind.isSocket()) {
  process.stdin.on('end', endSandbox).resume();
  process.stdin.unref?.();
}

// Whether a GET /next is waiting for an invocation: it holds the one kept-alive connection meanwhile (the flag is
// set once the GET has taken it).
let polling = false;

function call(method, path, body = '', headers = {}) {
  const payload = Buffer.from(body, 'utf8');
  const allHeaders = { 'Content-Type': 'application/json', 'Content-Length': payload.length, ...headers };
  return new Promise((resolveCall) => {
    // An error found while /next waits is posted beside it, not queued behind it.
    const connection = polling ? { agent: false } : { agent };
    const request = http.request({ host: apiHost, port: Number(apiPort), method, path, ...connection, headers: allHeaders }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolveCall({ headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', endSandbox);
    });
    // The Runtime API went away with the emulator that served it.
    request.on('error', endSandbox);
    request.end(payload);
  });
}

// The streams' own writes, kept before the function can replace them (to silence or capture its output).
const writeStdout = process.stdout.write.bind(process.stdout);
const writeStderr = process.stderr.write.bind(process.stderr);

// As in the managed runtime: one console call is one log event, prefixed with time, request id and level.
let currentRequestId;
const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE', fatal: 'FATAL' };
for (const [method, level] of Object.entries(levels)) {
  console[method] = (...args) => {
    writeStdout(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${format(...args).replace(/\n/g, '\r')}\n`);
  };
}

/**
 * Resolves once everything written to stdout and stderr so far has left the process (a write's callback comes
 * after the writes before it). A pipe's writes are asynchronous in Node: a long line can still be on its way when
 * the handler returns, and would be read after the answer, into the next invocation's logs. The managed runtime
 * writes its log lines synchronously, so an answer follows them. A stream with nothing held back needs no wait, and
 * one the function corked, ended or destroyed gets none: it would never call back, or fail the write.
 */
const outputFlushed = () =>
  Promise.all(
    [
      [process.stdout, writeStdout],
      [process.stderr, writeStderr],
    ].map(([stream, write]) =>
      stream.writableLength === 0 || stream.writableCorked > 0 || stream.writableEnded || stream.destroyed ? undefined : new Promise((flushed) => write('', flushed)),
    ),
  );
/** The flush before the process ends for an error nothing caught: bounded, as nothing may keep the process from ending. */
const outputFlushedOrLate = () => Promise.race([outputFlushed(), new Promise((late) => setTimeout(late, FATAL_FLUSH_LIMIT_MS))]);

function namedError(name, message) {
  return Object.assign(new Error(message), { name });
}

function errorShape(error) {
  try {
    // An Error, or an object with a name, a message and a stack, all non-empty strings (as the managed runtime reads one).
    const errorLike = error && [error.name, error.message, error.stack].every((field) => typeof field === 'string' && field !== '');
    if (types.isNativeError(error) || errorLike) {
      return { errorType: error.name, errorMessage: error.message, trace: String(error.stack ?? '').split('\n') };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return { errorType: 'handled', errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack' };
  }
}

/**
 * An error as the managed runtime writes it into the log: a value that is no Error wrapped in one, then each Error in
 * it (its cause included) as its name, message and code, its own enumerable properties (an SDK error's $metadata and
 * $fault) and its stack in lines. What JSON cannot hold falls back to the answer's shape.
 */
function formattedForLog(error) {
  const withProperties = (value) =>
    value instanceof Error
      ? { errorType: value.name, errorMessage: value.message, code: value.code, ...value, ...(typeof value.stack === 'string' ? { stack: value.stack.split('\n') } : {}) }
      : value;
  try {
    return JSON.stringify(error instanceof Error ? error : new Error(error), (_key, value) => withProperties(value));
  } catch {
    return JSON.stringify(errorShape(error));
  }
}

/** Logs an error nothing caught, as the managed runtime does; returns its shape for the answer. */
function logError(label, error) {
  console.error(`${label} \t${formattedForLog(error)}`);
  return errorShape(error);
}

function postError(path, shape, exiting = false) {
  // A header takes printable ASCII only: another error name (校验错误) is sent encoded; the body keeps it as it is.
  const type = String(shape.errorType);
  const header = /^[\x20-\x7e]*$/.test(type) ? type : encodeURIComponent(type);
  // The kit's own header: this process ends after the answer, so the next invocation must not be handed to it.
  return call('POST', path, JSON.stringify(shape), { 'Lambda-Runtime-Function-Error-Type': header, ...(exiting ? { 'Lambda-Runtime-Kit-Exiting': 'true' } : {}) });
}

// Only one of an invocation's ways to end speaks; the next invocation is asked for once it has. A later call gets
// the answer already on its way, so that a fatal error waits for it before the process ends.
let answerCurrent = async () => {};
// The managed runtime's single 'beforeExit' listener, replaced for each invocation and by the callback.
let onEmptyEventLoop = () => {};
process.on('beforeExit', () => onEmptyEventLoop());

let dying = false;
// Whether the init has ended (the first /next was asked for).
let ready = false;

/**
 * Fails the invocation in progress (or the init, or, while the runtime waits for its next invocation, that one)
 * with an error nothing caught, then ends the process as Lambda's runtime does; after an answer, before the runtime
 * asked for more, the error only ends it. Once: what goes wrong on the way out (another rejection, a failed post)
 * ends it all the same.
 */
async function fatal(label, error, exitCode) {
  if (dying) return;
  dying = true;
  // Where it came: the next invocation may be handed over while the output flushes below.
  const whileWaiting = polling;
  try {
    const shape = logError(label, error);
    // Its lines, the error's included, reach the logs of the invocation (or init) that reports it.
    await outputFlushedOrLate();
    if (!ready) await postError(`${API}/init/error`, shape);
    // Waiting for the next invocation, where Lambda has frozen the process: the error comes in the next one.
    else if (whileWaiting) await postError(IDLE_ERROR_PATH, shape);
    // The invocation in progress fails with it; one already answered but not yet waiting (not yet frozen on Lambda)
    // keeps its answer, which goes out (answerCurrent hands back the answer on its way), and the error only ends the
    // process: the next invocation starts a new runtime.
    else await answerCurrent({ error: shape, exiting: true });
  } catch {
    // The process ends below; the emulator reports what it saw of it.
  } finally {
    process.exit(exitCode);
  }
}
process.on('uncaughtException', (error) => void fatal('Uncaught Exception', error, EXIT_UNCAUGHT_EXCEPTION));
process.on('unhandledRejection', (reason, promise) => {
  let message;
  try {
    message = String(reason);
  } catch {
    message = typeof reason;
  }
  // The managed runtime's error keeps the reason and the promise as its own properties, which its log line shows.
  void fatal('Unhandled Promise Rejection', Object.assign(namedError('Runtime.UnhandledPromiseRejection', message), { reason, promise }), EXIT_UNHANDLED_REJECTION);
});

/** Whether a package.json above a file says "type": "module" (a node_modules folder or the root ends the search). */
function inModulePackage(file) {
  for (let dir = dirname(file); !dir.endsWith('/node_modules'); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return JSON.parse(readFileSync(manifest, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (dirname(dir) === dir) return false;
  }
  return false;
}

/**
 * Loads the handler's module as the managed runtime does: the path as written (an extensionless file, or a folder), then
 * .js with require() unless its package says "type": "module", then .js (in such a package) or .mjs with import(),
 * then .cjs with require(), then Node's own resolution (a package) from the task root.
 */
async function loadModule(taskRoot, moduleRoot, moduleName) {
  const file = resolve(taskRoot, moduleRoot, moduleName);
  const requireFrom = createRequire(join(taskRoot, 'index.js'));
  const importFile = (path) => import(pathToFileURL(path).href);
  if (existsSync(file)) return requireFrom(file);
  const js = `${file}.js`;
  if (existsSync(js)) return inModulePackage(js) ? importFile(js) : requireFrom(js);
  if (existsSync(`${file}.mjs`)) return importFile(`${file}.mjs`);
  if (existsSync(`${file}.cjs`)) return requireFrom(`${file}.cjs`);
  return requireFrom(requireFrom.resolve(moduleName, { paths: [taskRoot, resolve(taskRoot, moduleRoot)] }));
}

/** The handler named by _HANDLER ("dir/module.export.nested"), its load errors typed as the managed runtime types them. */
async function loadHandler() {
  const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const handlerName = process.env._HANDLER ?? '';
  if (handlerName.includes('..')) {
    throw namedError('Runtime.MalformedHandlerName', `'${handlerName}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`);
  }
  const moduleAndExport = basename(handlerName);
  const moduleRoot = handlerName.slice(0, handlerName.length - moduleAndExport.length);
  const dot = moduleAndExport.indexOf('.');
  if (dot < 0) throw namedError('Runtime.MalformedHandlerName', 'Bad handler');
  const exportPath = moduleAndExport.slice(dot + 1);
  globalThis.awslambda ??= { streamifyResponse: (streaming) => Object.assign(streaming, { [STREAMING]: true }) };
  let module;
  try {
    module = await loadModule(taskRoot, moduleRoot, moduleAndExport.slice(0, dot));
  } catch (error) {
    if (error instanceof SyntaxError) throw namedError('Runtime.UserCodeSyntaxError', `${error.name}: ${error.message}`);
    if (error?.code === 'MODULE_NOT_FOUND') throw namedError('Runtime.ImportModuleError', `${error.name}: ${error.message}`);
    throw error;
  }
  const handler = exportPath.split('.').reduce((value, key) => value?.[key], module);
  if (!handler) throw namedError('Runtime.HandlerNotFound', `${handlerName} is undefined or not exported`);
  if (typeof handler !== 'function') throw namedError('Runtime.HandlerNotFound', `${handlerName} is not a function`);
  if (handler[STREAMING]) throw namedError('Runtime.StreamingNotSupported', `${handlerName} streams its response (awslambda.streamifyResponse), which the kit's runtime does not support`);
  return handler;
}

function contextFor(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  return {
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** The response body as the managed runtime serialises it: undefined is null, and what JSON cannot hold is an error (logged as an Invoke Error). */
function responseBody(result) {
  try {
    return { body: JSON.stringify(result === undefined ? null : result) ?? 'null' };
  } catch {
    return { error: logError('Invoke Error', new Error('Unable to stringify response body')) };
  }
}

const isPromise = (value) => value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function';

/**
 * Runs one invocation; whichever of its ways to end comes first answers it, then the next one is asked for. Its
 * callback and context answer this invocation only: called after it ended, they do nothing (the managed runtime
 * posts each to its own request id, where a late answer is refused).
 */
function invoke(handler, next) {
  const requestId = next.headers['lambda-runtime-aws-request-id'];
  currentRequestId = requestId;
  process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'] ?? '';
  let answered = false;
  let answering;
  const answer = (outcome) => {
    if (answered) return answering;
    answered = true;
    if (answerCurrent === answer) onEmptyEventLoop = () => {};
    const sent = outcome.error ? outcome : responseBody(outcome.result);
    const posted = outputFlushed().then(() =>
      sent.error ? postError(`${API}/invocation/${requestId}/error`, sent.error, Boolean(outcome.exiting)) : call('POST', `${API}/invocation/${requestId}/response`, sent.body),
    );
    answering = posted.then(() => setImmediate(serveNext));
    return answering;
  };
  answerCurrent = answer;
  const fail = (error) => {
    if (answered) return;
    answer({ error: logError('Invoke Error', error ?? 'handled') });
  };
  // As in the managed runtime, the first of the callback, context.succeed/fail/done and the returned promise to
  // end the invocation is the one that counts, even when its answer waits for the event loop to empty.
  let finished = false;
  const firstOnly = (end) => (...args) => {
    if (finished) return;
    end(...args);
    finished = true;
  };
  const whenLoopEmpties = (then) => {
    if (answerCurrent === answer) onEmptyEventLoop = then;
  };
  let waitsForEmptyEventLoop = true;
  const context = {
    ...contextFor(next.headers),
    get callbackWaitsForEmptyEventLoop() {
      return waitsForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitsForEmptyEventLoop = value;
    },
    done: firstOnly((error, result) => (error !== undefined && error !== null ? fail(error) : answer({ result }))),
    succeed: firstOnly((result) => answer({ result })),
    fail: firstOnly(fail),
  };
  const callback = firstOnly((error, result) => {
    if (error !== undefined && error !== null) return fail(error);
    if (!waitsForEmptyEventLoop) return answer({ result });
    whenLoopEmpties(() => setImmediate(() => answer({ result })));
  });
  // What answers a handler that never does, once the event loop is empty; it ends the invocation as the others do.
  whenLoopEmpties(() => {
    finished = true;
    if (handlerIsAsync) fail(namedError('Runtime.NodeJsExit', NODE_JS_EXIT_MESSAGE));
    else answer({ result: null });
  });
  try {
    const returned = handler(JSON.parse(next.body || 'null'), context, callback);
    if (isPromise(returned)) returned.then(context.succeed, context.fail);
  } catch (error) {
    callback(error);
  }
}

let handler;
let handlerIsAsync;
async function serveNext() {
  // An error nothing caught is ending the process: it asks for no invocation it would not run.
  if (dying) return;
  // What the init (or work the last invocation left) wrote leaves the process first: asking is where it may be frozen.
  await outputFlushed();
  if (dying) return;
  ready = true;
  const asked = call('GET', `${API}/invocation/next`);
  polling = true;
  const next = await asked;
  polling = false;
  // An error nothing caught while it waited is being handed over: the process ends without running this one.
  if (dying) return;
  invoke(handler, next);
}

try {
  handler = await loadHandler();
  handlerIsAsync = handler.constructor?.name === 'AsyncFunction';
} catch (error) {
  await fatal('Uncaught Exception', error, 1);
}
// A turn later, as the managed runtime: a rejection the module left behind fails the init before /next is asked for.
setImmediate(serveNext);
