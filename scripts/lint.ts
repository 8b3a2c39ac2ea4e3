import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkovProblem } from './lib/checkov-summary.js';
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
/** A step, and for a tool whose exit status does not say everything, what its output says against it. */
type Step = { readonly name: string; readonly command: string; readonly args: readonly string[]; readonly problemIn?: (output: string) => string | undefined };
const steps: readonly Step[] = [
  { name: 'cfn-lint', command: cfnLint, args: ['--format', 'pretty', template] },
  // --skip-download: checkov runs offline; it would otherwise fetch guidelines from its vendor's platform.
  { name: 'checkov', command: checkov, args: ['--file', template, '--framework', 'cloudformation', '--compact', '--quiet', '--skip-download'], problemIn: checkovProblem },
  { name: 'dclint', command: join(projectRoot, 'node_modules', '.bin', 'dclint'), args: ['--max-warnings', '0', 'compose.yaml'] },
  { name: 'actionlint', command: actionlint, args: ['-no-color'] },
  { name: 'tsc', command: join(projectRoot, 'node_modules', '.bin', 'tsc'), args: ['--noEmit', '-p', 'tsconfig.json'] },
];
let failed = false;
for (const { name, command, args, problemIn } of steps) {
  const result = spawnSync(command, args, { cwd: projectRoot, stdio: ['inherit', problemIn ? 'pipe' : 'inherit', 'inherit'], encoding: 'utf8' });
  if (problemIn) process.stdout.write(result.stdout ?? '');
  const problem = result.status === 0 ? problemIn?.(result.stdout ?? '') : undefined;
  const failure = result.status !== 0 ? `failed (exit ${result.status ?? result.signal})` : problem && `failed: ${problem}`;
  console.log(`${name}: ${failure || 'clean'}`);
  failed ||= Boolean(failure);
}
process.exit(failed ? ExitCode.failed : ExitCode.ok);
