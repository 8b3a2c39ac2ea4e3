import { describe, expect, it } from 'vitest';
import { checkovProblem } from '../../scripts/lib/checkov-summary.js';

describe("checkov's summary", () => {
  it('passes a scan that read the template, and fails one that parsed nothing although checkov exited 0', () => {
    // Prepare: the summaries checkov 3.3 prints with --compact --quiet
    const clean = 'cloudformation scan results:\n\nPassed checks: 25, Failed checks: 0, Skipped checks: 9\n\n';
    const unparsed = 'cloudformation scan results:\n\nPassed checks: 0, Failed checks: 0, Skipped checks: 0, Parsing errors: 1\n\n';
    // Act
    const verdicts = [clean, unparsed, 'Passed checks: 0, Failed checks: 0, Skipped checks: 0', ''].map(checkovProblem);
    // Assess
    expect(verdicts).toEqual([
      undefined,
      'checkov could not parse the template (1 parsing error(s)): fix its YAML, cfn-lint names the line',
      'checkov ran no check: it read no resource from the template',
      'checkov printed no summary: it did not scan the template',
    ]);
  });
});
