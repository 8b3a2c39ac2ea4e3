import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { Agent, get } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/paths.js';
import { processGroup } from '../../scripts/lib/process-alive.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { environmentWithoutAws, withTsx } from '../support/run-command.js';
import { usePrivateEmulator } from './support/embedded.js';

// `make console` as a service manager runs it: SIGTERM stops it as Ctrl-C does, also with a browser's connection open.

const emulator = usePrivateEmulator();
let running: ChildProcessByStdio<null, Readable, Readable> | undefined;

afterEach(() => {
  if (running?.exitCode === null) process.kill(-running.pid!, 'SIGKILL');
  running = undefined;
});

/** The console on a free port against the private emulator, with the address it printed and what it printed so far. */
async function startConsole(): Promise<{ address: string; printed: () => { stdout: string; stderr: string }; ended: Promise<number | null> }> {
  const port = new URL(emulator().emulator.endpoint).port;
  const child = spawn(process.execPath, withTsx(join('scripts', 'console.ts'), '--target', 'embedded', '--port', '0'), {
    cwd: projectRoot,
    env: { ...environmentWithoutAws(), BACKUP_KIT_EMULATOR_PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running = child;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<number | null>((resolve) => child.once('close', resolve));
  const address = await waitFor(
    'the console to print the address that logs in',
    async () => {
      if (child.exitCode !== null) throw new Error(`the console ended before it served: ${stderr}`);
      return printedAddress.exec(stdout)?.[1];
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
  return { address, printed: () => ({ stdout, stderr }), ended };
}

/** The address alone on its line (a terminal makes all of it a link), with this run's secret. */
const printedAddress = /^ {4}(http:\/\/127\.0\.0\.1:\d+\/\?login=[0-9a-f]{64})$/m;

/** A GET's status, its session cookie (name=value) if it set one, and where it sends the browser on. */
function read(url: string, options: { agent?: Agent; cookie?: string } = {}): Promise<{ status?: number; cookie?: string; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: options.agent, headers: options.cookie ? { cookie: options.cookie } : {} }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.once('end', () => resolve({ status: response.statusCode, cookie: response.headers['set-cookie']?.[0]?.split(';')[0], location: response.headers.location, body }));
    }).once('error', reject);
  });
}

/** What every process of a process group has on its command line and in its environment (Linux's /proc). */
async function commandLinesAndEnvironments(group: number): Promise<string[]> {
  const seen: string[] = [];
  for (const pid of await processGroup(group)) {
    for (const part of ['cmdline', 'environ']) seen.push(await readFile(`/proc/${pid}/${part}`, 'utf8').catch(() => ''));
  }
  return seen;
}

describe('the console stopped by SIGTERM', () => {
  it('says it is stopping, closes the connection a browser keeps alive, and ends with exit 0', async () => {
    // Prepare: a page read over a kept-alive connection, which stays open afterwards
    const started = await startConsole();
    const keptAlive = new Agent({ keepAlive: true });
    const { cookie } = await read(started.address, { agent: keptAlive });
    const { status } = await read(new URL('/', started.address).href, { agent: keptAlive, cookie });
    const socketClosed = new Promise<void>((resolve) => {
      const [socket] = Object.values(keptAlive.freeSockets).flat();
      if (!socket) throw new Error('the page was not read over a kept-alive connection');
      socket.once('close', () => resolve());
    });
    // Act
    running!.kill('SIGTERM');
    const code = await started.ended;
    await socketClosed;
    // Assess
    expect(status).toBe(200);
    expect(code).toBe(0);
    expect(started.printed().stderr).toContain('stopping (SIGTERM)');
    expect(started.printed().stdout).toContain('console stopped');
  }, 60_000);
});

describe('the console as make console starts it', () => {
  it('prints the address that logs in, alone on its line, and answers no browser without it', async () => {
    // Prepare
    const started = await startConsole();
    const secret = new URL(started.address).searchParams.get('login')!;
    // Act
    const bare = await read(new URL('/', started.address).href);
    const opened = await read(started.address);
    const overview = await read(new URL(opened.location!, started.address).href, { cookie: opened.cookie });
    const processes = await commandLinesAndEnvironments(running!.pid!);
    // Assess
    expect(started.printed().stdout).toContain('open it at this address, which logs a browser in');
    // No other address is printed: a bare one, followed, would get the refusal
    expect(started.printed().stdout.match(/http:\/\//g)).toHaveLength(1);
    expect(bare.status).toBe(403);
    expect(bare.body).toContain('opened the address it printed in its terminal');
    expect([opened.status, opened.location]).toEqual([303, '/']);
    expect(overview.status).toBe(200);
    // The secret is in this process's memory and the terminal only
    expect(processes.length).toBeGreaterThan(0);
    expect(processes.filter((text) => text.includes(secret))).toEqual([]);
  }, 60_000);
});
