import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UsageError } from './cli.js';
import { projectRoot, templatePath, venvBin } from './paths.js';

/**
 * cfn-lint, pinned in the project's virtualenv, on a template: what `make lint` runs and what a deploy to AWS asks first.
 * Its settings are the command line's alone (`--config-file /dev/null`): it read the user's ~/.cfnlintrc otherwise,
 * where an ignore_checks written for other projects hid this template's warnings and errors from both.
 */
export const cfnLint = { command: join(venvBin, 'cfn-lint'), args: (template: string) => ['--config-file', '/dev/null', '--format', 'pretty', template] } as const;

/** cfn-lint's refusal of a region it has no specification for (exit 32, on stderr). */
const UNKNOWN_REGION = /Regions \[.*\] are unsupported/;

/**
 * What cfn-lint reports against a template (its findings, errors and warnings alike, as `make lint` takes none),
 * or undefined when it reports nothing. With `region`, it checks the template for that region (a deploy's; cfn-lint
 * otherwise reads AWS_REGION itself), and a region it does not know is a usage error naming the region: a typo there
 * read as a finding in the template. A missing cfn-lint is a set-up error.
 */
export function templateLintFindings(template: string = templatePath, region?: string): string | undefined {
  if (!existsSync(cfnLint.command)) throw new UsageError(`${cfnLint.command} is missing: run \`make setup\` first`);
  const args = [...cfnLint.args(relative(projectRoot, template)), ...(region === undefined ? [] : ['--regions', region])];
  const result = spawnSync(cfnLint.command, args, { cwd: projectRoot, encoding: 'utf8' });
  if (result.error) throw new UsageError(`cfn-lint could not run (${result.error.message}): run \`make setup\` again`);
  if (region !== undefined && result.status !== 0 && UNKNOWN_REGION.test(result.stderr)) {
    throw new UsageError(
      `cfn-lint knows no AWS region ${region}: check the region for a typo (AWS regions are written like eu-central-1); a region newer than the pinned cfn-lint needs a newer one in scripts/emulator/requirements.txt. Nothing was changed`,
    );
  }
  return result.status === 0 ? undefined : `${result.stdout}${result.stderr}`.trim() || `cfn-lint exited with ${result.status ?? result.signal}`;
}
