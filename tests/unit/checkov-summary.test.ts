import { describe, expect, it } from 'vitest';
import { checkovProblem, namingTemplate } from '../../scripts/lib/checkov-summary.js';

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

  it('fails a scan that reports a failed check although checkov exited 0 (a soft-fail set in a .checkov.yaml)', () => {
    // Prepare: what checkov 3.3 prints with soft-fail: true and one finding the template does not accept
    const softFailed = 'cloudformation scan results:\n\nPassed checks: 25, Failed checks: 1, Skipped checks: 8\n\nCheck: CKV_AWS_27: "Ensure all data stored in the SQS queue is encrypted"\n';
    // Act
    const verdict = checkovProblem(softFailed);
    // Assess
    expect(verdict).toBe(
      "checkov reports 1 failed check(s) though it exited 0 (a soft-fail setting in a .checkov.yaml?): fix each, or accept it in the resource's Metadata.checkov.skip with the reason",
    );
  });

  it("names the template, at the finding's lines, where a finding of the scan with the audit trail on named the copy scanned, gone when make lint ends", () => {
    // Prepare: what checkov 3.3 prints for a finding in the copy (a path from the project's folder to the temporary one)
    const output =
      'Check: CKV_AWS_27: "Ensure all data stored in the SQS queue is encrypted"\n\tFAILED for resource: AWS::SQS::Queue.FailedEventsQueue\n' +
      '\tFile: /../backup-kit-lint-3ZvAzq/template-with-audit-trail.yaml:310-321\n';
    // Act
    const shown = namingTemplate(output, 'template-with-audit-trail.yaml', 'cloudformation/template.yaml');
    // Assess
    expect(shown).toBe(
      'Check: CKV_AWS_27: "Ensure all data stored in the SQS queue is encrypted"\n\tFAILED for resource: AWS::SQS::Queue.FailedEventsQueue\n' +
        '\tFile: /cloudformation/template.yaml:310-321 (scanned with EnableAuditTrail "true")\n',
    );
  });
});
