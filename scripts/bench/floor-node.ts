import { spawnSync } from 'node:child_process';
import { functionNodeFor } from '../lib/function-node.js';
import { loadTemplate } from '../lib/template.js';

/**
 * Why the floors would not be like for like: the direct clients run in the bench's own process, the function on
 * the Node its runtime gets, and Node 22 ran the same three calls 8–49% faster than Node 20 here. Undefined when
 * both are the same.
 */
export function floorNodeProblem(benchNode: string, functionNode: string, runtime: string): string | undefined {
  if (benchNode === functionNode) return undefined;
  return `the bench runs its floors in its own process, on Node ${benchNode}, and the function runs on Node ${functionNode} (${runtime}): run the bench on the function's Node, as \`make bench\` does, so that both sides run on the same Node`;
}

/** The Node version the stack's function runs on here, read from the template's runtime. */
export async function functionNodeVersion(): Promise<{ readonly runtime: string; readonly version: string }> {
  const runtime = String((await loadTemplate()).Resources.BackupFunction?.Properties?.Runtime ?? '');
  const version = spawnSync(functionNodeFor(runtime), ['--version'], { encoding: 'utf8' }).stdout.trim();
  return { runtime, version };
}
