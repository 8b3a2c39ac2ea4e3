import { readFile } from 'node:fs/promises';
import { processAlive } from '../../scripts/lib/process-alive.js';

/** Whether a process has ended: gone, or a zombie its parent has not reaped yet (Linux's /proc says which). */
export async function processEnded(pid: number): Promise<boolean> {
  return !processAlive(pid) || / Z /.test(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ' Z '));
}
