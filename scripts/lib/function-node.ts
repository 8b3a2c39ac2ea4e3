import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { lambdaRuntimeDir, venvBin } from './paths.js';

/**
 * The Node binary the emulators run a function of this Lambda runtime with (nodejs22.x → Node 22), chosen by
 * their executor itself (scripts/lambda-runtime/kit_lambda_runtime/node_binary.py), so that what runs it outside
 * an emulator (the bench's cold init) is the same binary.
 */
export function functionNodeFor(runtime: string): string {
  const found = spawnSync(join(venvBin, 'python'), ['-m', 'kit_lambda_runtime.node_binary', runtime], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: lambdaRuntimeDir },
  });
  if (found.status !== 0) {
    throw new Error(`no Node binary for ${runtime || 'a function without a runtime'}: ${found.stderr.trim() || found.error?.message} (run \`make setup\`)`);
  }
  return found.stdout.trim();
}
