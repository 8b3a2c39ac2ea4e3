import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { whileLocked } from '../../scripts/lib/start-lock.js';
import { WaitTimeout } from '../../scripts/lib/wait.js';

const lockIn = () => join(mkdtempSync(join(tmpdir(), 'start-lock-')), 'host.lock');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const children: { kill(): void }[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

describe('whileLocked', () => {
  it('runs a second caller after the first, never beside it', async () => {
    // Prepare
    const lockFile = lockIn();
    const steps: string[] = [];
    const work = (name: string) => async () => {
      steps.push(`${name} starts`);
      await pause(300);
      steps.push(`${name} ends`);
      return name;
    };
    // Act
    const results = await Promise.all([
      whileLocked(lockFile, { what: 'start', timeoutMs: 5_000 }, work('first')),
      whileLocked(lockFile, { what: 'start', timeoutMs: 5_000 }, work('second')),
    ]);
    // Assess
    expect(results).toEqual(['first', 'second']);
    expect(steps).toEqual(['first starts', 'first ends', 'second starts', 'second ends']);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('waits for a live holder, says so once, and names the lock when it gives up', async () => {
    // Prepare: another Node process (as the scripts run in) holds the lock
    const lockFile = lockIn();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)']);
    children.push(holder);
    writeFileSync(lockFile, String(holder.pid));
    const waits: number[] = [];
    let ran = false;
    // Act
    const attempt = whileLocked(lockFile, { what: 'start of host-mode LocalStack', timeoutMs: 700, onWait: (pid) => waits.push(pid) }, async () => {
      ran = true;
    });
    // Assess
    await expect(attempt).rejects.toThrow(WaitTimeout);
    await expect(attempt).rejects.toThrow(`waiting for the other start of host-mode LocalStack to finish (lock file ${lockFile}: if none runs, remove the file and run this again)`);
    expect(waits).toEqual([holder.pid]);
    expect(ran).toBe(false);
    expect(existsSync(lockFile)).toBe(true);
  });

  it('takes over a lock whose holder died, or that names no process', async () => {
    // Prepare: a lock left by a start that was killed, one holding nothing readable, and one whose pid another
    // program has now (as after a reboot)
    const deadPid = spawnSync('true').pid;
    const leftBehind = lockIn();
    writeFileSync(leftBehind, String(deadPid));
    const garbled = lockIn();
    writeFileSync(garbled, 'not a pid');
    const reused = lockIn();
    const other = spawn('sleep', ['30']);
    children.push(other);
    writeFileSync(reused, String(other.pid));
    // …and one whose pid another Node process has now: the lock recorded when its holder started, which differs
    const reusedByNode = lockIn();
    const node = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)']);
    children.push(node);
    writeFileSync(reusedByNode, `${node.pid} 1`);
    // Act
    const results = await Promise.all([
      whileLocked(leftBehind, { what: 'start', timeoutMs: 2_000 }, async () => 'ran after a dead holder'),
      whileLocked(garbled, { what: 'start', timeoutMs: 2_000 }, async () => 'ran after a garbled lock'),
      whileLocked(reused, { what: 'start', timeoutMs: 2_000 }, async () => 'ran after a pid another program has'),
      whileLocked(reusedByNode, { what: 'start', timeoutMs: 2_000 }, async () => 'ran after a pid another Node process has'),
    ]);
    // Assess
    expect(results).toEqual(['ran after a dead holder', 'ran after a garbled lock', 'ran after a pid another program has', 'ran after a pid another Node process has']);
    expect([existsSync(leftBehind), existsSync(garbled), existsSync(reused), existsSync(reusedByNode)]).toEqual([false, false, false, false]);
  });

  it('waits for a live holder that the lock names with its start time, as it writes its own', async () => {
    // Prepare: a lock another caller took while its work runs
    const lockFile = lockIn();
    let release = () => undefined as void;
    const holding = whileLocked(lockFile, { what: 'start', timeoutMs: 2_000 }, () => new Promise<void>((resolve) => (release = resolve)));
    await pause(100);
    const recorded = readFileSync(lockFile, 'utf8');
    // Act
    const second = whileLocked(lockFile, { what: 'start', timeoutMs: 600 }, async () => 'ran beside the holder');
    // Assess
    await expect(second).rejects.toThrow(WaitTimeout);
    expect(recorded).toMatch(new RegExp(`^${process.pid} \\d+$`));
    release();
    await holding;
  });

  it('leaves a lock that is no longer its own when its work ends', async () => {
    // Prepare: while the work runs, another live process's lock replaces this one (taken over as stale, say)
    const lockFile = lockIn();
    const other = spawn('sleep', ['30']);
    children.push(other);
    // Act
    await whileLocked(lockFile, { what: 'start', timeoutMs: 1_000 }, async () => {
      writeFileSync(lockFile, String(other.pid));
    });
    // Assess
    expect(readFileSync(lockFile, 'utf8')).toBe(String(other.pid));
  });

  it('lets the lock go when the work fails', async () => {
    // Prepare
    const lockFile = lockIn();
    // Act
    const attempt = whileLocked(lockFile, { what: 'start', timeoutMs: 1_000 }, async () => {
      throw new Error('LocalStack exited before it was ready');
    });
    // Assess
    await expect(attempt).rejects.toThrow('LocalStack exited before it was ready');
    expect(existsSync(lockFile)).toBe(false);
  });
});
