import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/**
 * Whether a process with this pid exists (signal 0 checks without signalling; EPERM: it exists, another user's) and
 * has not exited: a zombie, exited and not yet reaped by its parent (a LocalStack just killed, until init reaps it), has
 * no command line left, and was taken for a pid now running something else.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return stateOf(pid) !== 'Z';
}

/**
 * Where the fields the kit reads stand among a process's /proc stat fields after its command name: proc(5) numbers
 * them from 1 with the pid and the name first, so that the state, its field 3, is at 0 here.
 */
export const StatField = { state: 0, ppid: 1, pgrp: 2, utime: 11, stime: 12, startTime: 19 } as const;

/**
 * A process's command name (`node`, `python3.11` …, which may hold spaces and parentheses) and the fields of its /proc
 * stat after it: state, ppid, pgrp … (Linux /proc), or undefined where they cannot be read.
 */
export function procStatOf(pid: number): { readonly name: string; readonly fields: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const nameEnds = stat.lastIndexOf(')');
    return { name: stat.slice(stat.indexOf('(') + 1, nameEnds), fields: stat.slice(nameEnds + 2).split(' ') };
  } catch {
    return undefined;
  }
}

/** The fields of a process's /proc stat after its command name (procStatOf), or undefined where they cannot be read. */
export const statFieldsOf = (pid: number): string[] | undefined => procStatOf(pid)?.fields;

/** A process's state letter (R, S, T, Z …). */
const stateOf = (pid: number): string | undefined => statFieldsOf(pid)?.[StatField.state];

/** The pids of the processes running now (Linux /proc), none where /proc cannot be read. */
export async function processIds(): Promise<number[]> {
  return (await readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name)).map(Number);
}

/** The pids of the processes in a process group (Linux /proc). */
export async function processGroup(pgid: number): Promise<number[]> {
  return (await processIds()).filter((pid) => Number(statFieldsOf(pid)?.[StatField.pgrp]) === pgid);
}

/** The arguments a process was started with (Linux /proc), or undefined where they cannot be read. */
export async function argumentsOf(pid: number): Promise<string[] | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((argument) => argument !== '');
  } catch {
    return undefined;
  }
}

/** The command line of a process (Linux /proc), or undefined where it cannot be read. */
export async function commandLineOf(pid: number): Promise<string | undefined> {
  return (await argumentsOf(pid))?.join(' ');
}

/**
 * Whether a process runs this script: one of its arguments is the script's path, whole (a path that merely contains it,
 * the same script in another checkout, is not it); undefined where its arguments cannot be read.
 */
export async function runsScript(pid: number, script: string): Promise<boolean | undefined> {
  return (await argumentsOf(pid))?.includes(script);
}

/**
 * The processes that run this script, each with its arguments (Linux /proc; none where /proc cannot be read): how a
 * process is found again when the record of its pid is gone.
 */
export async function processesRunningScript(script: string): Promise<{ readonly pid: number; readonly args: readonly string[] }[]> {
  const found = await Promise.all((await processIds()).map(async (pid) => ({ pid, args: await argumentsOf(pid) })));
  return found.flatMap(({ pid, args }) => (args?.includes(script) && processAlive(pid) ? [{ pid, args }] : []));
}

/** When a process started, in clock ticks since boot (Linux /proc): with its pid, it names one process for good. */
export function startTimeOf(pid: number): string | undefined {
  return statFieldsOf(pid)?.[StatField.startTime];
}
