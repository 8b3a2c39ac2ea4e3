import { describe, expect, it } from 'vitest';
import { checkovProblem } from '../../scripts/lib/checkov-summary.js';
import { lintStepFailure } from '../../scripts/lib/lint-step.js';

const clean = 'cloudformation scan results:\n\nPassed checks: 25, Failed checks: 0, Skipped checks: 9\n\n';

describe("make lint's verdict on one tool's run", () => {
  it('passes a clean run, and fails a run that exits with an error or whose output says what its exit does not', () => {
    // Act
    const verdicts = [
      lintStepFailure({ status: 0, signal: null, stdout: clean }, checkovProblem),
      lintStepFailure({ status: 1, signal: null, stdout: '' }),
      lintStepFailure({ status: null, signal: 'SIGKILL', stdout: '' }),
      lintStepFailure({ status: 0, signal: null, stdout: '' }, checkovProblem),
    ];
    // Assess
    expect(verdicts).toEqual([undefined, 'failed (exit 1)', 'failed (exit SIGKILL)', 'failed: checkov printed no summary: it did not scan the template']);
  });

  it('says why a tool could not run at all (a virtualenv whose Python is gone), and what to do, where it said "exit null"', () => {
    // Prepare: spawnSync's answer for a script whose interpreter (its #! line) no longer exists
    const error = Object.assign(new Error('spawnSync /kit/.venv-tools/bin/checkov ENOENT'), { code: 'ENOENT' });
    // Act
    const verdict = lintStepFailure({ status: null, signal: null, stdout: '', error }, checkovProblem);
    // Assess
    expect(verdict).toBe('could not run (spawnSync /kit/.venv-tools/bin/checkov ENOENT): run `make setup` again (a virtualenv made with a Python since removed or upgraded needs making again: remove it first)');
  });
});
