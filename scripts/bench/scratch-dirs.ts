import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../lib/process-alive.js';

/**
 * Names this machine's benches by host, so that a bench in a container sharing the folder is never taken for gone; `_`,
 * which the host's part cannot hold, ends it (host `ci` is not the start of host `ci-2`).
 */
const prefix = () => `backup-kit-bench-${hostname().replace(/[^A-Za-z0-9.-]/g, '-')}_`;

/**
 * A temporary folder of this bench run (`kind` says what it holds), named after the run's host and process: a bench
 * killed outright (tsx's source ends a script with SIGKILL when it does not take a Ctrl-C within about 60 ms) leaves it,
 * for the next run to remove.
 */
export function scratchDir(kind: string, base: string = tmpdir()): Promise<string> {
  return mkdtemp(join(base, `${prefix()}${process.pid}-${kind}-`));
}

/**
 * Removes the temporary folders that benches of this host and user left when their process was gone; the names of
 * those removed. Another user's folders are left alone, and one that cannot be removed is left as it is.
 */
export async function removeOrphanedScratch(base: string = tmpdir(), alive: (pid: number) => boolean = processAlive): Promise<string[]> {
  const ours = prefix();
  const uid = process.getuid?.();
  const candidates = (await readdir(base)).filter((name) => {
    const pid = name.startsWith(ours) ? Number(/^(\d+)-/.exec(name.slice(ours.length))?.[1]) : Number.NaN;
    return Number.isInteger(pid) && pid > 0 && !alive(pid);
  });
  const removed = await Promise.allSettled(
    candidates.map(async (name) => {
      const path = join(base, name);
      if (uid !== undefined && (await lstat(path)).uid !== uid) throw new Error(`${path} is another user's`);
      await rm(path, { recursive: true, force: true });
      return name;
    }),
  );
  return removed.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
}
