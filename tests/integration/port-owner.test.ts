import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portHeldByGroup } from '../../scripts/lib/port-owner.js';

// Two LocalStacks started at once on one port: the one that lost the port answered "started" through the other's
// gateway. A start now checks that its own process group holds the listening socket.

let child: ChildProcess;
let childPort: number;
let ours: Server;
let ourPort: number;

beforeAll(async () => {
  // A server in a process group of its own, as host-mode LocalStack runs, and one in this process
  child = spawn(process.execPath, ['-e', "const s = require('node:net').createServer(); s.listen(0, '127.0.0.1', () => console.log(s.address().port));"], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  childPort = Number(String((await once(child.stdout!, 'data'))[0]).trim());
  ours = createServer();
  await new Promise<void>((resolve) => ours.listen(0, '127.0.0.1', resolve));
  ourPort = (ours.address() as AddressInfo).port;
});
afterAll(async () => {
  if (child.pid) process.kill(-child.pid, 'SIGKILL');
  await new Promise((resolve) => ours.close(resolve));
});

describe('which process group holds a listening port', () => {
  it('is the group of the process listening there, and not another group that merely runs', async () => {
    // Act
    const [held, heldByAnother, nobodyListens] = await Promise.all([portHeldByGroup(child.pid!, childPort), portHeldByGroup(child.pid!, ourPort), portHeldByGroup(child.pid!, 1)]);
    // Assess
    expect([held, heldByAnother, nobodyListens]).toEqual([true, false, false]);
  });
});
