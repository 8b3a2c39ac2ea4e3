import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ExitCode } from './lib/cli.js';
import { projectRoot, templatePath, toolsVenvBin, venvBin } from './lib/paths.js';

/**
 * cfn-lint and checkov (pinned, from the project's virtualenvs) on the template, dclint on compose.yaml,
 * actionlint on the GitHub workflows, then the type check. Each must be clean: zero errors, zero warnings, and
 * no checkov finding but those the template accepts with a reason.
 */
const cfnLint = join(venvBin, 'cfn-lint');
const checkov = join(toolsVenvBin, 'checkov');
const actionlint = join(toolsVenvBin, 'actionlint');
for (const tool of [cfnLint, checkov, actionlint]) {
  if (!existsSync(tool)) {
    console.error(`error: ${tool} is missing: run \`make setup\` first`);
    process.exit(ExitCode.usage);
  }
}

const template = relative(projectRoot, templatePath);
const steps: [string, string, string[]][] = [
  ['cfn-lint', cfnLint, ['--format', 'pretty', template]],
  // --skip-download: checkov runs offline; it would otherwise fetch guidelines from its vendor's platform.
  ['checkov', checkov, ['--file', template, '--framework', 'cloudformation', '--compact', '--quiet', '--skip-download']],
  ['dclint', join(projectRoot, 'node_modules', '.bin', 'dclint'), ['--max-warnings', '0', 'compose.yaml']],
  ['actionlint', actionlint, ['-no-color']],
  ['tsc', join(projectRoot, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', 'tsconfig.json']],
];
let failed = false;
for (const [name, command, args] of steps) {
  const result = spawnSync(command, args, { cwd: projectRoot, stdio: 'inherit' });
  const ok = result.status === 0;
  console.log(`${name}: ${ok ? 'clean' : `failed (exit ${result.status ?? result.signal})`}`);
  failed ||= !ok;
}
process.exit(failed ? ExitCode.failed : ExitCode.ok);
