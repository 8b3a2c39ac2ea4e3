import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../scripts/lib/paths.js';

export type Finished = { readonly code: number | null; readonly stdout: string; readonly stderr: string };

/** The tsx that `make` runs the scripts with. */
export const tsx = join(projectRoot, 'node_modules', '.bin', 'tsx');

/** This process's environment without the AWS settings and TARGET of whoever runs the tests. */
export const environmentWithoutAws = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && name !== 'TARGET'));

/** Runs a command in the project's root to its end, collecting what it printed. */
export function runCommand(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
