// The kit's runtime interface client for Node.js functions: it speaks the AWS Lambda Runtime API
// (AWS_LAMBDA_RUNTIME_API) as the managed nodejs runtimes do, so the same zip runs here as on Lambda.
// Started by kit_lambda_runtime.environment; plain Node, no dependencies.
// It exits when the Runtime API goes away or its stdin closes, so it never outlives the emulator that started it.
import http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const [apiHost, apiPort] = (process.env.AWS_LAMBDA_RUNTIME_API ?? '').split(':');
const API = '/2018-06-01/runtime';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const EXIT_API_GONE = 129;

process.stdin.on('end', () => process.exit(0)).resume();

function call(method, path, body = '', headers = {}) {
  const payload = Buffer.from(body, 'utf8');
  const allHeaders = { 'Content-Type': 'application/json', 'Content-Length': payload.length, ...headers };
  return new Promise((resolve) => {
    const request = http.request({ host: apiHost, port: Number(apiPort), method, path, agent, headers: allHeaders }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', () => process.exit(EXIT_API_GONE));
    });
    request.on('error', () => process.exit(EXIT_API_GONE));
    request.end(payload);
  });
}

// As in the managed runtime: one console call is one log event, prefixed with time, request id and level.
let currentRequestId;
const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
for (const [method, level] of Object.entries(levels)) {
  console[method] = (...args) => {
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${format(...args).replace(/\n/g, '\r')}\n`);
  };
}

function errorShape(error) {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, trace: String(error.stack ?? '').split('\n') };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

function namedError(name, message) {
  return Object.assign(new Error(message), { name });
}

/** Whether the package.json nearest to a file declares ES modules ("type": "module"), as Node decides for .js files. */
function inModulePackage(file) {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
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
}

/**
 * Loads the handler's module as the managed runtime does: a CommonJS .js file (or .cjs) with require(), an ES
 * module (.mjs, or .js in a "type": "module" package) with import(); .js is looked for first, then .mjs, then .cjs.
 */
async function loadModule(path) {
  if (path.endsWith('.mjs') || (path.endsWith('.js') && inModulePackage(path))) return import(pathToFileURL(path).href);
  return createRequire(path)(path);
}

async function loadHandler() {
  const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const handlerName = process.env._HANDLER ?? '';
  const dot = handlerName.lastIndexOf('.');
  if (dot < 1) throw namedError('Runtime.MalformedHandlerName', `Bad handler ${handlerName}: expected module.function`);
  const moduleName = handlerName.slice(0, dot);
  const exportName = handlerName.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => join(taskRoot, moduleName + ext)).find((path) => existsSync(path));
  if (!file) throw namedError('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'`);
  const module = await loadModule(file);
  const handler = module[exportName] ?? module.default?.[exportName];
  if (typeof handler !== 'function') throw namedError('Runtime.HandlerNotFound', `${handlerName} is undefined or not exported`);
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
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** Async handlers return a promise; callback-style ones (three parameters) call back. */
function run(handler, event, context) {
  if (handler.length < 3) return Promise.resolve().then(() => handler(event, context));
  return new Promise((resolve, reject) => {
    const returned = handler(event, context, (error, result) => (error ? reject(error) : resolve(result)));
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
  });
}

let handler;
try {
  handler = await loadHandler();
} catch (error) {
  const shape = errorShape(error);
  console.error(`Uncaught Exception \t${JSON.stringify({ ...shape, stack: shape.trace })}`);
  await call('POST', `${API}/init/error`, JSON.stringify(shape), { 'Lambda-Runtime-Function-Error-Type': shape.errorType });
  process.exit(1);
}

for (;;) {
  const next = await call('GET', `${API}/invocation/next`);
  const context = contextFor(next.headers);
  currentRequestId = context.awsRequestId;
  process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'] ?? '';
  try {
    const result = await run(handler, JSON.parse(next.body || 'null'), context);
    await call('POST', `${API}/invocation/${currentRequestId}/response`, JSON.stringify(result ?? null));
  } catch (error) {
    const shape = errorShape(error);
    console.error(`Invoke Error \t${JSON.stringify({ ...shape, stack: shape.trace })}`);
    await call('POST', `${API}/invocation/${currentRequestId}/error`, JSON.stringify(shape), { 'Lambda-Runtime-Function-Error-Type': shape.errorType });
  }
}
