import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait.js';
import { processEnded } from '../support/process-ended.js';
import { environmentWithoutAws, runCommand } from '../support/run-command.js';

describe("the tests' command runner", () => {
  it('kills a command that outlives its limit, with every process it started, and says so', async () => {
    // Prepare: a shell that starts a long sleep in the background and waits for it, as make waits for a script
    const dir = await mkdtemp(join(tmpdir(), 'kit-run-command-'));
    const pidFile = join(dir, 'sleep.pid');
    // Act
    const run = runCommand('sh', ['-c', `sleep 60 & echo $! > ${pidFile}; wait`], environmentWithoutAws(), 500);
    // Assess
    await expect(run).rejects.toThrow(/^sh -c sleep 60 & .* did not end within 500 ms: it and the processes it started were killed$/);
    const sleeper = Number(await readFile(pidFile, 'utf8'));
    await waitFor('the background sleep to end', async () => ((await processEnded(sleeper)) ? true : undefined), { timeoutMs: 2_000, intervalMs: 20 });
    await rm(dir, { recursive: true, force: true });
  });

  it('answers what a command printed and its exit code when it ends in time', async () => {
    // Act
    const finished = await runCommand('sh', ['-c', 'echo out; echo err >&2; exit 3'], environmentWithoutAws(), 5_000);
    // Assess
    expect(finished).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });
});
