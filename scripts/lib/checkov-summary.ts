/**
 * What checkov's summary line says against a clean exit: checkov exits 0 for a template it could not parse (it
 * counts a parsing error and checks nothing), and for findings under a soft-fail, so the policy gate reads the summary too. Undefined when the scan
 * read the template and found nothing to report.
 */
export function checkovProblem(output: string): string | undefined {
  const summary = /Passed checks: (\d+), Failed checks: (\d+), Skipped checks: (\d+)(?:, Parsing errors: (\d+))?/.exec(output);
  if (!summary) return 'checkov printed no summary: it did not scan the template';
  const [passed, failed, skipped, parsingErrors] = summary.slice(1).map((count) => Number(count ?? 0));
  if (parsingErrors! > 0) return `checkov could not parse the template (${parsingErrors} parsing error(s)): fix its YAML, cfn-lint names the line`;
  if (passed! + failed! + skipped! === 0) return 'checkov ran no check: it read no resource from the template';
  // checkov exits 0 with findings under a soft-fail setting (a .checkov.yaml of the project's): the count decides.
  if (failed! > 0) {
    return `checkov reports ${failed} failed check(s) though it exited 0 (a soft-fail setting in a .checkov.yaml?): fix each, or accept it in the resource's Metadata.checkov.skip with the reason`;
  }
  return undefined;
}

/** The variables checkov reads settings from: CKV_ (CKV_SKIP_CHECK, CKV_CHECK, CKV_FRAMEWORK …), and BC_ and PRISMA_ (an API key sends the results to its vendor's platform). */
const CHECKOV_SETTING = /^(CKV|BC|PRISMA)_/;

/**
 * The environment checkov runs in for the policy gate: `home`, an empty folder of the lint's own, as HOME, and none of
 * the variables it reads settings from. checkov reads ~/.checkov.yaml too: a soft-fail, skip-check or check written
 * there for other projects let make lint call the template clean with a finding it does not accept (seen: 'Failed
 * checks: 1' above 'checkov: clean').
 */
export function checkovEnvironment(environment: NodeJS.ProcessEnv, home: string): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(environment).filter(([name]) => !CHECKOV_SETTING.test(name))), HOME: home };
}

/**
 * checkov's output on the template's copy with the audit trail on, as make lint prints it: its findings named the copy,
 * a temporary file gone when make lint ends, at the lines they have in the template itself (the copy changes one
 * default, no line), so they name the template (`template`, from the project's folder) and say how it was scanned.
 */
export function namingTemplate(output: string, copyName: string, template: string): string {
  const copyFile = new RegExp(`(File: )\\S*/${copyName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:\\d+-\\d+)`, 'g');
  return output.replace(copyFile, `$1/${template}$2 (scanned with EnableAuditTrail "true")`);
}
