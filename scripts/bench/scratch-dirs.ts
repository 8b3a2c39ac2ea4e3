import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../lib/process-alive.js';

const PREFIX = 'backup-kit-bench-';

/**
 * A temporary folder of this bench run (`kind` says what it holds), named after the run's process: a bench killed
 * outright (tsx ends a script with SIGKILL when it cannot take a Ctrl-C within 60 ms) leaves it, for the next run to
 * remove.
 */
export function scratchDir(kind: string, base: string = tmpdir()): Promise<string> {
  return mkdtemp(join(base, `${PREFIX}${process.pid}-${kind}-`));
}

/** Removes the temporary folders that benches whose process is gone left behind; the names of those removed. */
export async function removeOrphanedScratch(base: string = tmpdir(), alive: (pid: number) => boolean = processAlive): Promise<string[]> {
  const orphans = (await readdir(base)).filter((name) => {
    const pid = Number(/^backup-kit-bench-(\d+)-/.exec(name)?.[1]);
    return Number.isInteger(pid) && pid > 0 && !alive(pid);
  });
  await Promise.all(orphans.map((name) => rm(join(base, name), { recursive: true, force: true })));
  return orphans;
}
