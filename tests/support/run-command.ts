import { spawn } from 'node:child_process';
import { projectRoot } from '../../scripts/lib/paths.js';

export type Finished = { readonly code: number | null; readonly stdout: string; readonly stderr: string };

/**
 * A script's arguments as `make` runs it (the Makefile's TSX), for this Node: tsx's loader, the script in this one
 * process. The tsx command runs it in a child process, relays a signal to it and kills it with SIGKILL when it has not
 * taken the signal within about 60 ms: on a busy machine a test's Ctrl-C so ended `seed` with 130 and without the
 * count of what reached the inbox that it prints on a first Ctrl-C.
 */
export const withTsx = (script: string, ...args: readonly string[]): string[] => ['--import', 'tsx', script, ...args];

/** This process's environment without the AWS settings and TARGET of whoever runs the tests. */
export const environmentWithoutAws = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && name !== 'TARGET'));

/** Below the 30 s that the tests which run commands allow themselves: the command's failure is reported, not a timeout. */
const DEFAULT_WITHIN_MS = 25_000;

/**
 * Runs a command in the project's root to its end, collecting what it printed. One that outlives `withinMs` is
 * killed with every process it started (its own process group: a `make` and the emulator it ran), so that a test
 * that fails by waiting leaves nothing running behind it.
 */
export function runCommand(command: string, args: readonly string[], env: NodeJS.ProcessEnv, withinMs = DEFAULT_WITHIN_MS): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    const limit = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // It ended on its own meanwhile.
      }
      reject(new Error(`${command} ${args.join(' ')} did not end within ${withinMs} ms: it and the processes it started were killed`));
    }, withinMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => {
      clearTimeout(limit);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(limit);
      resolve({ code, stdout, stderr });
    });
  });
}
