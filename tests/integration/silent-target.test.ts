import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { invokeFunction } from '../../scripts/lib/invoke.js';
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
    const app = consoleApp({ backend, token: 'token', reportsDir: '/nonexistent' });
    const started = Date.now();
    // Act
    const page = await app.request(new Request('http://127.0.0.1:4600/', { headers: { host: '127.0.0.1:4600' } }));
    // Assess: the SDK tries three times
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('The target stopped answering');
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);
});

describe('the Lambda client in front of a target that stopped answering', () => {
  it('ends a read within the clients’ limit, while a synchronous Invoke waits as long as a function may run', async () => {
    // Prepare: a silent target of its own, closed at the end so that the Invoke's retries are refused
    const own: Socket[] = [];
    const server = createServer((socket) => own.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const { lambda } = clientsFor(embeddedTarget(`http://127.0.0.1:${port}`), { answerWithinMs: 200 });
    const started = Date.now();
    // Act
    const read = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'backup-kit-backup' })).catch((error: Error) => error);
    const readFor = Date.now() - started;
    const invoke = invokeFunction(lambda, 'backup-kit-backup', {}).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    const stillWaiting = await Promise.race([invoke, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 1_500))]);
    await new Promise((resolve) => {
      server.close(resolve);
      for (const socket of own) socket.destroy();
    });
    await invoke;
    // Assess: the SDK tries three times
    expect((read as Error).name).toBe('TimeoutError');
    expect(readFor).toBeLessThan(10_000);
    expect(stillWaiting).toBe('still waiting');
  }, 30_000);
});
