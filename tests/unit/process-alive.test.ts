import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runsScript } from '../../scripts/lib/process-alive.js';

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
