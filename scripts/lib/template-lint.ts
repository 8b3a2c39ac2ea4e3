import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UsageError } from './cli.js';
import { projectRoot, templatePath, venvBin } from './paths.js';

/** cfn-lint, pinned in the project's virtualenv, on a template: what `make lint` runs and what a deploy to AWS asks first. */
export const cfnLint = { command: join(venvBin, 'cfn-lint'), args: (template: string) => ['--format', 'pretty', template] } as const;

/**
 * What cfn-lint reports against a template (its findings, errors and warnings alike, as `make lint` takes none),
 * or undefined when it reports nothing. A missing cfn-lint is a set-up error.
 */
export function templateLintFindings(template: string = templatePath): string | undefined {
  if (!existsSync(cfnLint.command)) throw new UsageError(`${cfnLint.command} is missing: run \`make setup\` first`);
  const result = spawnSync(cfnLint.command, cfnLint.args(relative(projectRoot, template)), { cwd: projectRoot, encoding: 'utf8' });
  if (result.error) throw new UsageError(`cfn-lint could not run (${result.error.message}): run \`make setup\` again`);
  return result.status === 0 ? undefined : `${result.stdout}${result.stderr}`.trim() || `cfn-lint exited with ${result.status ?? result.signal}`;
}
