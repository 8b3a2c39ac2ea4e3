import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { Agent, get } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/paths.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { environmentWithoutAws, tsx } from '../support/run-command.js';
import { usePrivateEmulator } from './support/embedded.js';

// `make console` as a service manager runs it: SIGTERM stops it as Ctrl-C does, also with a browser's connection open.

const emulator = usePrivateEmulator();
let running: ChildProcessByStdio<null, Readable, Readable> | undefined;

afterEach(() => {
  if (running?.exitCode === null) process.kill(-running.pid!, 'SIGKILL');
  running = undefined;
});

/** The console on a free port against the private emulator, with what it printed so far. */
async function startConsole(): Promise<{ url: string; printed: () => { stdout: string; stderr: string }; ended: Promise<number | null> }> {
  const port = new URL(emulator().emulator.endpoint).port;
  const child = spawn(tsx, [join('scripts', 'console.ts'), '--target', 'embedded', '--port', '0'], {
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
  const url = await waitFor(
    'the console to say where it serves',
    async () => {
      if (child.exitCode !== null) throw new Error(`the console ended before it served: ${stderr}`);
      return /on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
  return { url, printed: () => ({ stdout, stderr }), ended };
}

describe('the console stopped by SIGTERM', () => {
  it('says it is stopping, closes the connection a browser keeps alive, and ends with exit 0', async () => {
    // Prepare: a page read over a kept-alive connection, which stays open afterwards
    const started = await startConsole();
    const keptAlive = new Agent({ keepAlive: true });
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get(started.url, { agent: keptAlive }, (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode));
      }).once('error', reject);
    });
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
