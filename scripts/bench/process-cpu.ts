import { processIds, procStatOf, StatField } from '../lib/process-alive.js';

/** Linux counts a process's CPU time in clock ticks of 1/100 s (USER_HZ, the same on every architecture it runs on). */
const MS_PER_TICK = 10;

/** One process below the root at one moment: its command name and the CPU time (user + system, ms) it had used. */
type ProcessCpu = { readonly name: string; readonly cpuMs: number };

/**
 * The CPU time (user + system, ms) a process and each process below it had used at one moment (Linux /proc). The
 * processes below are keyed by pid and start time, so that a pid reused by another process counts as another one.
 */
export type TreeCpu = { readonly rootMs: number; readonly below: ReadonlyMap<string, ProcessCpu> };

/** What a process tree used between two moments: the root, and the processes below it by command name (those started meanwhile in full). */
export type CpuSpent = { readonly rootMs: number; readonly belowByName: ReadonlyMap<string, number> };

/** A process's parent, key, command name and CPU time (user + system). */
function statOf(pid: number): (ProcessCpu & { readonly ppid: number; readonly key: string }) | undefined {
  const stat = procStatOf(pid);
  if (!stat) return undefined;
  const { name, fields } = stat;
  const ticks = Number(fields[StatField.utime]) + Number(fields[StatField.stime]);
  return { name, ppid: Number(fields[StatField.ppid]), key: `${pid}@${fields[StatField.startTime]}`, cpuMs: ticks * MS_PER_TICK };
}

/** The CPU time of a process and of every process below it now; undefined when the process cannot be read (gone, or no /proc). */
export async function treeCpuOf(rootPid: number): Promise<TreeCpu | undefined> {
  const root = statOf(rootPid);
  if (!root) return undefined;
  const stats = new Map((await processIds()).flatMap((pid) => (pid === rootPid ? [] : [[pid, statOf(pid)] as const])));
  const childrenOf = new Map<number, number[]>();
  for (const [pid, stat] of stats) if (stat) childrenOf.set(stat.ppid, [...(childrenOf.get(stat.ppid) ?? []), pid]);
  const below = new Map<string, ProcessCpu>();
  for (const pending = [...(childrenOf.get(rootPid) ?? [])]; pending.length > 0; ) {
    const pid = pending.pop()!;
    const { key, name, cpuMs } = stats.get(pid)!;
    below.set(key, { name, cpuMs });
    pending.push(...(childrenOf.get(pid) ?? []));
  }
  return { rootMs: root.cpuMs, below };
}

/**
 * The CPU a process tree used between two readings. A process below the root that ended in between is missing from
 * the second reading, and what it used is not counted (its parent's own CPU time, which the root's figure is, never
 * includes it).
 */
export function cpuBetween(before: TreeCpu, after: TreeCpu): CpuSpent {
  const belowByName = new Map<string, number>();
  for (const [key, { name, cpuMs }] of after.below) belowByName.set(name, (belowByName.get(name) ?? 0) + cpuMs - (before.below.get(key)?.cpuMs ?? 0));
  return { rootMs: after.rootMs - before.rootMs, belowByName };
}
