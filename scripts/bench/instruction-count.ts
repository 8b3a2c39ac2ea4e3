import { spawnSync } from 'node:child_process';
import { runToExit } from './run-to-exit.js';

/** valgrind's version (`valgrind-3.19.0`), or undefined when it is not installed. */
export function valgrindVersion(): string | undefined {
  const probe = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

/** The last lines a run wrote on stderr, on one line: where valgrind says what went wrong. */
const lastLines = (stderr: string) => stderr.trim().split('\n').slice(-3).join(' | ');

/** The total callgrind prints as a run ends (`==4242== Collected : 252356006`). */
export function collectedInstructions(stderr: string): number {
  const total = /^==\d+== Collected : (\d+)$/m.exec(stderr)?.[1];
  if (total === undefined) throw new Error(`callgrind printed no instruction total: ${lastLines(stderr) || 'nothing'}`);
  return Number(total);
}

/** valgrind running a command whose running time far exceeds this has hung, not slowed down (a Node load takes seconds under it). */
const CALLGRIND_LIMIT_MS = 180_000;

/**
 * The instructions a command runs, counted by valgrind's callgrind: for the function's Node 22, within 1% from one
 * run to the next here whatever else the machine was doing, where the time of the same load spread from 66 to 86 ms
 * (p25–p75) within one bench run.
 * `--smc-check=all-non-file` lets valgrind see the code V8 writes at run time.
 */
export async function countInstructions(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const run = await runToExit('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', command, ...args], env, CALLGRIND_LIMIT_MS);
  if (run.code !== 0) {
    const ended = run.signal ? `was ended by ${run.signal}` : `exited with ${run.code}`;
    const overran = run.elapsedMs >= CALLGRIND_LIMIT_MS ? ` after its limit of ${CALLGRIND_LIMIT_MS / 1000} s` : '';
    throw new Error(`${command} ${args.join(' ')} under callgrind ${ended}${overran}: ${lastLines(run.stderr)}`);
  }
  return collectedInstructions(run.stderr);
}
