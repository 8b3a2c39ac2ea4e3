/**
 * What checkov's summary line says against a clean exit: checkov exits 0 for a template it could not parse (it
 * counts a parsing error and checks nothing), so the policy gate reads the summary too. Undefined when the scan
 * read the template and found nothing to report.
 */
export function checkovProblem(output: string): string | undefined {
  const summary = /Passed checks: (\d+), Failed checks: (\d+), Skipped checks: (\d+)(?:, Parsing errors: (\d+))?/.exec(output);
  if (!summary) return 'checkov printed no summary: it did not scan the template';
  const [passed, failed, skipped, parsingErrors] = summary.slice(1).map((count) => Number(count ?? 0));
  if (parsingErrors! > 0) return `checkov could not parse the template (${parsingErrors} parsing error(s)): fix its YAML, cfn-lint names the line`;
  if (passed! + failed! + skipped! === 0) return 'checkov ran no check: it read no resource from the template';
  return undefined;
}
