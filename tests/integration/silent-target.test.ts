import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stoppedAnswering } from '../../scripts/lib/cli.js';
import { clientsFor } from '../../scripts/lib/clients.js';
import { invokeFunction } from '../../scripts/lib/invoke.js';
import { waitForBackupOf } from '../../scripts/lib/observe.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { loginAddress, loginSecret } from '../../scripts/console/login.js';
import { consoleApp } from '../../scripts/console/server.js';
import { liveBackend } from '../../scripts/console/live-backend.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';

// A target that takes connections and never answers, as a stopped (SIGSTOP) or wedged emulator does: the console
// must answer its owner within a bounded time instead of leaving the page loading forever.

let silent: Server;
const sockets: Socket[] = [];
let endpoint = '';

beforeAll(async () => {
  silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe('the console in front of a target that stopped answering', () => {
  it('answers 503, saying the target stopped answering, within its time limit', async () => {
    // Prepare
    const target = embeddedTarget(endpoint);
    const clients = clientsFor(target, { answerWithinMs: 200 });
    const backend = liveBackend(target, clients, { account: '123456789012', reportsDir: '/nonexistent', receiptWindowMs: 3_600_000, shownKeys: 10 });
    const login = loginSecret();
    const app = consoleApp({ backend, token: 'token', login, reportsDir: '/nonexistent' });
    const opened = await app.request(new Request(loginAddress('http://127.0.0.1:4600/', login), { headers: { host: '127.0.0.1:4600' } }));
    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
    const started = Date.now();
    // Act
    const page = await app.request(new Request('http://127.0.0.1:4600/', { headers: { host: '127.0.0.1:4600', cookie } }));
    // Assess: the SDK tries three times
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('The target stopped answering');
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);
});

/**
 * A Lambda endpoint that answers GetFunctionConfiguration (the function's timeout: `timeoutSeconds`) and takes every
 * other request without ever answering, as a wedged emulator does; it counts the invocations it took.
 */
async function silentLambda(timeoutSeconds: number): Promise<{ endpoint: string; invocations: () => number; close: () => Promise<void> }> {
  const held: ServerResponse[] = [];
  let invocations = 0;
  const server = createHttpServer((request, response) => {
    if (request.method === 'GET' && /\/functions\/[^/]+\/configuration$/.test(request.url ?? '')) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ FunctionName: 'backup-kit-backup', Timeout: timeoutSeconds }));
      return;
    }
    if (request.url?.endsWith('/invocations')) invocations += 1;
    held.push(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    invocations: () => invocations,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('the Lambda client in front of a target that stopped answering', () => {
  it('ends a read within the clients’ limit, while a synchronous Invoke waits as long as a function may run', async () => {
    // Prepare: a silent target of its own, closed at the end so that the Invoke is refused
    const target = await silentLambda(900);
    const { lambda } = clientsFor(embeddedTarget(target.endpoint), { answerWithinMs: 200 });
    const started = Date.now();
    // Act
    const read = await lambda.send(new ListFunctionsCommand({})).catch((error: Error) => error);
    const readFor = Date.now() - started;
    const invoke = invokeFunction(lambda, 'backup-kit-backup', {}).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    const stillWaiting = await Promise.race([invoke, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 1_500))]);
    await target.close();
    await invoke;
    // Assess: the SDK tries three times
    expect((read as Error).name).toBe('TimeoutError');
    expect(readFor).toBeLessThan(10_000);
    expect(stillWaiting).toBe('still waiting');
  }, 30_000);

  it('ends a synchronous Invoke once the function’s timeout and the margin for its answer have passed, after one attempt', async () => {
    // Prepare: a function that may run 1 s, on a target that never answers its invocations
    const target = await silentLambda(1);
    const { lambda } = clientsFor(embeddedTarget(target.endpoint), { answerWithinMs: 200 });
    const started = Date.now();
    // Act
    const ended = await invokeFunction(lambda, 'backup-kit-backup', {}, { answerMarginMs: 500 }).catch((error: Error) => error);
    const endedAfter = Date.now() - started;
    await target.close();
    // Assess: a TimeoutError, which the scripts report as a target that stopped answering; no second invocation
    expect((ended as Error).name).toBe('TimeoutError');
    expect((ended as Error).message).toBe("the Invoke of backup-kit-backup got no answer within 1.5 s (the function's timeout and 0.5 s more)");
    expect(stoppedAnswering(ended)).toContain('did not answer in time');
    expect(endedAfter).toBeGreaterThanOrEqual(1_500);
    expect(endedAfter).toBeLessThan(5_000);
    expect(target.invocations()).toBe(1);
  }, 30_000);
});

describe('a wait for a backup in front of a target that stopped answering', () => {
  it('ends the check under way when the wait is stopped, instead of leaving it to its attempts', async () => {
    // Prepare: a silent target; the clients' own limit a minute
    const own: Socket[] = [];
    const server = createServer((socket) => own.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const { s3 } = clientsFor(embeddedTarget(`http://127.0.0.1:${port}`));
    const stop = new AbortController();
    const waiting = waitForBackupOf(s3, 'backups', 'a.txt', 'v1', 120_000, { signal: stop.signal }).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    await waitFor('the check to reach the target', async () => (own.length > 0 ? true : undefined), { timeoutMs: 5_000, intervalMs: 20 });
    // Act
    stop.abort();
    const ended = await Promise.race([waiting, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000))]);
    for (const socket of own) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    // Assess
    expect(ended).toBe('AbortError');
  }, 30_000);
});
