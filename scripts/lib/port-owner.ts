import { readdir, readFile, readlink } from 'node:fs/promises';
import { processGroup } from './process-alive.js';

/** The inodes of the TCP sockets listening on a port (Linux /proc/net/tcp and tcp6), or undefined where they cannot be read. */
async function listeningInodes(port: number): Promise<Set<string> | undefined> {
  const tables = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((table) => readFile(table, 'utf8').catch(() => undefined)));
  if (tables.every((table) => table === undefined)) return undefined;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const line of tables.flatMap((table) => (table ?? '').split('\n').slice(1))) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …; 0A is LISTEN.
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
  }
  return inodes;
}

/** Whether a socket listens on the port (Linux /proc), or undefined where it cannot be read. */
export async function portListenedOn(port: number): Promise<boolean | undefined> {
  const inodes = await listeningInodes(port);
  return inodes === undefined ? undefined : inodes.size > 0;
}

/**
 * Whether a process of this process group holds the socket listening on the port: a server that answers on the port
 * may be another one that took it first. Undefined where Linux's /proc cannot tell.
 */
export async function portHeldByGroup(pgid: number, port: number): Promise<boolean | undefined> {
  const inodes = await listeningInodes(port);
  if (inodes === undefined) return undefined;
  for (const pid of await processGroup(pgid)) {
    const descriptors = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const descriptor of descriptors) {
      const target = await readlink(`/proc/${pid}/fd/${descriptor}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return true;
    }
  }
  return false;
}
