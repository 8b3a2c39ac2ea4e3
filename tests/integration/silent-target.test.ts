import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
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
