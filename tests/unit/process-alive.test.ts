import { spawn } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processAlive, processGroup, procStatOf, runsScript } from '../../scripts/lib/process-alive.js';

describe('runsScript', () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  it('knows a process by a whole argument, not by a path that merely contains the script’s (another checkout’s copy)', async () => {
    // Prepare: a process whose script sits in another checkout whose path ends with this one's
    const script = join('/work/main', 'scripts', 'localstack', 'host.py');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', `/elsewhere${script}`, '--port', '4577'], { stdio: 'ignore' });
    children.push(child);
    await new Promise((resolve) => child.once('spawn', resolve));
    // Act
    const [ours, theirs] = [await runsScript(child.pid!, `/elsewhere${script}`), await runsScript(child.pid!, script)];
    // Assess
    expect([ours, theirs]).toEqual([true, false]);
  });
});

describe('processAlive', () => {
  it('takes an exited process its parent has not reaped yet (a zombie) for gone, and a running one for alive', async () => {
    // Prepare: the shell's background child exits and stays a zombie, as the shell becomes a sleep that never reaps it
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const zombie = Number(String(await new Promise<Buffer>((resolve) => parent.stdout!.once('data', resolve))).trim());
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Act
    const [exited, running] = [processAlive(zombie), processAlive(parent.pid!)];
    parent.kill('SIGKILL');
    // Assess
    expect([exited, running]).toEqual([false, true]);
  });
});

describe('procStatOf', () => {
  it('reads a command name that holds spaces and parentheses, and the fields after it', async () => {
    // Prepare: this Node, through a link named like a stat line's own punctuation (the kernel names a process after the path it ran), running
    const dir = await mkdtemp(join(tmpdir(), 'backup-kit-stat-'));
    const binary = join(dir, 'a) (b c');
    await symlink(process.execPath, binary);
    const child = spawn(binary, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      // Act
      const stat = procStatOf(child.pid!);
      // Assess: the name whole, then the state and this process as the parent
      expect([stat?.name, stat?.fields[1]]).toEqual(['a) (b c', String(process.pid)]);
      expect(stat?.fields[0]).toMatch(/^[RSD]$/);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is unknown for a process that does not exist', () => {
    // Act / Assess: pid 0 is never a process /proc lists
    expect(procStatOf(0)).toBeUndefined();
  });
});

describe('processGroup', () => {
  it('lists every process of a group and no other', async () => {
    // Prepare: a shell leading a group of its own with a child in it, and a process outside that group
    const leader = spawn('sh', ['-c', 'sleep 30 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const member = Number(String(await new Promise<Buffer>((resolve) => leader.stdout!.once('data', resolve))).trim());
    try {
      // Act
      const members = await processGroup(leader.pid!);
      // Assess
      expect(members.sort((a, b) => a - b)).toEqual([leader.pid!, member].sort((a, b) => a - b));
      expect(members).not.toContain(process.pid);
    } finally {
      process.kill(-leader.pid!, 'SIGKILL');
    }
  });
});
