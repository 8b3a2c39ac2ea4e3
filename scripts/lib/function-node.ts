import { spawnSync } from 'node:child_process';
import { lambdaRuntimeDir } from './paths.js';
import { projectPython } from './python.js';

/**
 * The Node binary the emulators run a function of this Lambda runtime with (nodejs22.x → Node 22), chosen by
 * their executor itself (scripts/lambda-runtime/kit_lambda_runtime/node_binary.py), so that what runs it outside
 * an emulator (the bench's cold init) is the same binary.
 */
export function functionNodeFor(runtime: string): string {
  const found = spawnSync(projectPython(), ['-m', 'kit_lambda_runtime.node_binary', runtime], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: lambdaRuntimeDir },
  });
  if (found.status !== 0) {
    // node_binary.py names what is supported and how to install it.
    throw new Error(`no Node binary for ${runtime || 'a function without a runtime'}: ${found.stderr?.trim() || found.error?.message}`);
  }
  return found.stdout.trim();
}
