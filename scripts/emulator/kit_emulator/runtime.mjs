// One Lambda execution environment for Node.js functions, run by the embedded emulator.
// Invocations arrive as JSON lines on stdin; each answer is one JSON line on the file descriptor named by
// KIT_RESPONSE_FD. Everything the function writes to stdout/stderr is captured per invocation, as Lambda
// does, and returned with the answer so that the emulator can put it into CloudWatch Logs.
import { existsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [taskRoot, handlerString] = process.argv.slice(2);
const responseFd = Number(process.env.KIT_RESPONSE_FD);

let captured = [];
const capture = (chunk, encoding, callback) => {
  captured.push([Date.now(), typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')]);
  if (typeof encoding === 'function') encoding();
  else if (typeof callback === 'function') callback();
  return true;
};
process.stdout.write = capture;
process.stderr.write = capture;

function respond(message) {
  const line = Buffer.from(`${JSON.stringify(message)}\n`, 'utf8');
  for (let offset = 0; offset < line.length; ) offset += writeSync(responseFd, line, offset);
}

function errorShape(error) {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, trace: String(error.stack ?? '').split('\n') };
  }
  return { errorType: 'Error', errorMessage: String(error), trace: [] };
}

function logLine(requestId, level, text) {
  captured.push([Date.now(), `${new Date().toISOString()}\t${requestId}\t${level}\t${text}\n`]);
}

async function loadHandler() {
  const dot = handlerString.lastIndexOf('.');
  const moduleName = handlerString.slice(0, dot);
  const exportName = handlerString.slice(dot + 1);
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(taskRoot, moduleName + ext)).find((path) => existsSync(path));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${moduleName}' in ${taskRoot}`), { name: 'Runtime.ImportModuleError' });
  }
  const module = await import(pathToFileURL(file).href);
  const handler = module[exportName] ?? module.default?.[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${handlerString} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return handler;
}

let handler;
let initDurationMs;

async function invoke(request) {
  captured = [];
  const started = performance.now();
  if (!handler) {
    const initStarted = performance.now();
    try {
      handler = await loadHandler();
    } catch (error) {
      const shape = errorShape(error);
      logLine(request.requestId, 'ERROR', `Uncaught Exception \t${JSON.stringify({ ...shape, stack: shape.trace })}`);
      respond({ requestId: request.requestId, ok: false, error: shape, logs: captured, initFailed: true, durationMs: performance.now() - started });
      process.exit(1);
    }
    initDurationMs = performance.now() - initStarted;
  }
  const deadline = Date.now() + request.timeoutMs;
  const context = {
    awsRequestId: request.requestId,
    functionName: request.functionName,
    functionVersion: request.functionVersion,
    invokedFunctionArn: request.invokedFunctionArn,
    memoryLimitInMB: String(request.memoryMb),
    logGroupName: request.logGroupName,
    logStreamName: request.logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const coldInit = initDurationMs;
  initDurationMs = undefined;
  try {
    const result = await handler(request.event, context);
    respond({
      requestId: request.requestId,
      ok: true,
      payload: JSON.stringify(result ?? null),
      logs: captured,
      durationMs: performance.now() - started,
      initDurationMs: coldInit,
      maxMemoryMb: Math.ceil(process.memoryUsage().rss / 1024 / 1024),
    });
  } catch (error) {
    const shape = errorShape(error);
    logLine(request.requestId, 'ERROR', `Invoke Error \t${JSON.stringify({ ...shape, stack: shape.trace })}`);
    respond({
      requestId: request.requestId,
      ok: false,
      error: shape,
      logs: captured,
      durationMs: performance.now() - started,
      initDurationMs: coldInit,
      maxMemoryMb: Math.ceil(process.memoryUsage().rss / 1024 / 1024),
    });
  }
}

// One invocation at a time, as in a Lambda execution environment.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  const request = JSON.parse(line);
  queue = queue.then(() => invoke(request));
});
process.stdin.on('end', () => queue.then(() => process.exit(0)));
