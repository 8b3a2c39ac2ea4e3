import type { SpawnSyncReturns } from 'node:child_process';

/**
 * What `make lint` says against one of its tools' runs (`problemIn`: what that tool's output says against a clean exit),
 * or undefined when the tool ran clean. A tool that could not run at all (its virtualenv's Python removed or upgraded
 * since: the script's #! names an interpreter that is gone) was said to have "failed (exit null)".
 */
export function lintStepFailure(result: Pick<SpawnSyncReturns<string>, 'status' | 'signal' | 'stdout' | 'error'>, problemIn?: (output: string) => string | undefined): string | undefined {
  if (result.error) {
    return `could not run (${result.error.message}): run \`make setup\` again (a virtualenv made with a Python since removed or upgraded needs making again: remove it first)`;
  }
  const problem = result.status === 0 ? problemIn?.(result.stdout ?? '') : undefined;
  return result.status !== 0 ? `failed (exit ${result.status ?? result.signal})` : problem && `failed: ${problem}`;
}
