import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { processAlive, startTimeOf } from './process-alive.js';
import { waitFor } from './wait.js';

export type LockOptions = {
  /** What the lock guards, for the timeout's message ("the other start of …"). */
  readonly what: string;
  readonly timeoutMs: number;
  /** Called once, with the holder's pid, when the lock is found held by another live process. */
  readonly onWait?: (holderPid: number) => void;
};

/** A lock's holder: its pid (NaN when the file names none) and, when recorded, when that process started. */
type Holder = { readonly pid: number; readonly startedAt?: string };

/** The holder a lock file names ("<pid> <start time>"): undefined when the file is gone meanwhile. */
function holderOf(lockFile: string): Holder | undefined {
  try {
    const [pid, startedAt] = readFileSync(lockFile, 'utf8').trim().split(/\s+/);
    return { pid: Number(pid || Number.NaN), ...(startedAt ? { startedAt } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * Creates the lock file holding this process's pid, or names the live process that holds it. The file appears
 * with its content at once (written beside it, then hard-linked, which fails when the name exists), so a reader
 * never sees an empty lock. A lock whose holder died (a start that was killed), or that names no pid, is removed,
 * to be taken on the next try.
 */
function tryLock(lockFile: string): { readonly taken: true } | { readonly taken: false; readonly holder?: number } {
  const draft = `${lockFile}.${process.pid}`;
  writeFileSync(draft, `${process.pid} ${startTimeOf(process.pid) ?? ''}`.trim());
  try {
    linkSync(draft, lockFile);
    return { taken: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(draft, { force: true });
  }
  const holder = holderOf(lockFile);
  if (holder === undefined) return { taken: false };
  if (isLive(holder)) return { taken: false, holder: holder.pid };
  // Moved aside before it is removed: of several waiters that found it stale, one moves it; and a lock that a live
  // starter created in between, moved by mistake, is put back.
  const aside = `${lockFile}.stale-${process.pid}`;
  try {
    renameSync(lockFile, aside);
  } catch {
    return { taken: false };
  }
  const moved = holderOf(aside);
  if (moved !== undefined && isLive(moved)) {
    try {
      linkSync(aside, lockFile);
    } catch {
      // Another lock stands there again: that one counts.
    }
  }
  rmSync(aside, { force: true });
  return { taken: false };
}

/**
 * Whether the lock's holder still runs: a live process that started when the lock says (after a reboot, or a long
 * while, a stale lock's pid can belong to another process, a Node one too), or, for a lock that names no start time,
 * a Node one (the scripts that take the lock run in Node).
 */
function isLive({ pid, startedAt }: Holder): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return false;
  const started = startedAt === undefined ? undefined : startTimeOf(pid);
  return started !== undefined ? started === startedAt : runsNode(pid);
}

function runsNode(pid: number): boolean {
  try {
    return /node/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '');
  } catch {
    // Not Linux, or another user's process: trust that it lives.
    return true;
  }
}

/**
 * Runs `work` while this process holds `lockFile`: a second caller (another terminal, another script) waits
 * for the first to finish instead of racing it, and the lock goes when the work ends, however it ends.
 */
export async function whileLocked<T>(lockFile: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  let announced = false;
  await waitFor(
    `the other ${options.what} to finish (lock file ${lockFile}: if none runs, remove the file and run this again)`,
    async () => {
      const attempt = tryLock(lockFile);
      if (attempt.taken) return true;
      if (attempt.holder !== undefined && !announced) {
        announced = true;
        options.onWait?.(attempt.holder);
      }
      return undefined;
    },
    { timeoutMs: options.timeoutMs, intervalMs: 200 },
  );
  try {
    return await work();
  } finally {
    // Only this process's lock: one that replaced it (taken over as stale, say) is another's.
    if (holderOf(lockFile)?.pid === process.pid) rmSync(lockFile, { force: true });
  }
}
