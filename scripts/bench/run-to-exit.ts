import { spawn } from 'node:child_process';

/** How a process ended: its exit code or the signal that ended it, what it wrote on stderr, and how long it ran (ms). */
export type Exit = { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stderr: string; readonly elapsedMs: number };

/**
 * Runs a command to its end, its output discarded and its stderr kept (read to the end: `close`, not `exit`, which
 * can come before the last of it); rejects only when it cannot be started. After `timeoutMs` it is sent SIGTERM.
 */
export function runToExit(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'], ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }) });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, elapsedMs: performance.now() - started }));
  });
}
