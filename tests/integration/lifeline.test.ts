import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lambdaRuntimeDir, venvBin } from '../../scripts/lib/paths.js';
import { processAlive } from '../../scripts/lib/process-alive.js';
import { waitFor } from '../../scripts/lib/wait.js';

// The watcher the embedded emulator and each LocalStack init start (kit_lambda_runtime/lifeline.py), driven
// directly: real processes, each in a process group of its own as the function runtimes are.

const python = join(venvBin, 'python');
const skipReason = existsSync(python) ? undefined : `the project's virtualenv is missing (${python}): run \`make setup\``;
if (skipReason) console.warn(`SKIP the lifeline suite: ${skipReason}`);

/** A `sleep` leading a process group of its own, as a function runtime does. */
function groupLeader(): number {
  const sleeper = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  sleeper.unref();
  return sleeper.pid!;
}

describe.skipIf(skipReason !== undefined)("the runtimes' lifeline watcher", () => {
  it('kills the process groups it holds when its pipe closes, and not those released before', async () => {
    // Prepare
    const [held, released] = [groupLeader(), groupLeader()];
    const watcher = spawn(python, ['-I', '-S', join(lambdaRuntimeDir, 'kit_lambda_runtime', 'lifeline.py')], { stdio: ['pipe', 'ignore', 'ignore'] });
    const ended = new Promise<number | null>((resolve) => watcher.on('exit', resolve));
    try {
      // Act: as the emulator tells it when runtimes start and end, then dies
      watcher.stdin.end(`+${held}\n+${released}\n-${released}\n`);
      // Assess
      expect(await ended).toBe(0);
      await waitFor('the held group to end', async () => (processAlive(held) ? undefined : true), { timeoutMs: 5_000, intervalMs: 20 });
      expect(processAlive(released)).toBe(true);
    } finally {
      for (const pid of [held, released]) if (processAlive(pid)) process.kill(-pid, 'SIGKILL');
    }
  });
});
