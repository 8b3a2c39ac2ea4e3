import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { checkovEnvironment, checkovProblem, namingTemplate } from './lib/checkov-summary.js';
import { ExitCode, scriptCommand } from './lib/cli.js';
import { lintStepFailure } from './lib/lint-step.js';
import { projectRoot, templatePath, toolsVenvBin } from './lib/paths.js';
import { cfnLint } from './lib/template-lint.js';

/**
 * cfn-lint and checkov (pinned, from the project's virtualenvs) on the template, dclint on compose.yaml,
 * actionlint on the GitHub workflows, then the type check. Each must be clean: zero errors, zero warnings, and
 * no checkov finding but those the template accepts with a reason.
 */
scriptCommand('lint', 'cfn-lint and checkov on the template, dclint on compose.yaml, actionlint on the workflows, then tsc; each must be clean.').parse();

const checkov = join(toolsVenvBin, 'checkov');
const actionlint = join(toolsVenvBin, 'actionlint');
for (const tool of [cfnLint.command, checkov, actionlint]) {
  if (!existsSync(tool)) {
    console.error(`error: ${tool} is missing: run \`make setup\` first`);
    process.exit(ExitCode.usage);
  }
}

const template = relative(projectRoot, templatePath);

/**
 * checkov evaluates Conditions with the parameters' defaults, so the audit trail's resources (EnableAuditTrail
 * defaults to false) were never scanned: a copy of the template with the trail on is scanned as well.
 */
function templateWithAuditTrail(): string {
  const text = readFileSync(templatePath, 'utf8');
  const off = /(\n  EnableAuditTrail:\n    Type: String\n    Default: )"false"/;
  if (!off.test(text)) {
    console.error(`error: ${template} no longer declares EnableAuditTrail with Default "false" as scripts/lint.ts expects: update templateWithAuditTrail()`);
    process.exit(ExitCode.failed);
  }
  const copy = join(mkdtempSync(join(tmpdir(), 'backup-kit-lint-')), 'template-with-audit-trail.yaml');
  writeFileSync(copy, text.replace(off, '$1"true"'));
  return copy;
}
const withAuditTrail = templateWithAuditTrail();
const checkovArgs = ['--framework', 'cloudformation', '--compact', '--quiet', '--skip-download'];
/** A step, and for a tool whose exit status does not say everything, what its output says against it. */
type Step = {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly problemIn?: (output: string) => string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** Its output as printed, when it names a file the user would not find (the template's temporary copy). */
  readonly shown?: (output: string) => string;
};
// checkov with the project's settings alone: not the user's ~/.checkov.yaml nor CKV_ variables (see checkovEnvironment).
const checkovHome = join(dirname(withAuditTrail), 'home');
mkdirSync(checkovHome);
const checkovEnv = checkovEnvironment(process.env, checkovHome);
const steps: readonly Step[] = [
  { name: 'cfn-lint', command: cfnLint.command, args: cfnLint.args(template) },
  // --skip-download: checkov runs offline; it would otherwise fetch guidelines from its vendor's platform.
  { name: 'checkov', command: checkov, args: ['--file', template, ...checkovArgs], problemIn: checkovProblem, env: checkovEnv },
  { name: 'checkov (audit trail on)', command: checkov, args: ['--file', withAuditTrail, ...checkovArgs], problemIn: checkovProblem, env: checkovEnv,
    shown: (output) => namingTemplate(output, basename(withAuditTrail), template) },
  { name: 'dclint', command: join(projectRoot, 'node_modules', '.bin', 'dclint'), args: ['--max-warnings', '0', 'compose.yaml'] },
  { name: 'actionlint', command: actionlint, args: ['-no-color'] },
  { name: 'tsc', command: join(projectRoot, 'node_modules', '.bin', 'tsc'), args: ['--noEmit', '-p', 'tsconfig.json'] },
];
let failed = false;
// A tool that could not run checked nothing: the set-up is wrong (exit 2), not the template.
let setupWrong = false;
for (const { name, command, args, problemIn, env, shown } of steps) {
  const result = spawnSync(command, args, { cwd: projectRoot, env: env ?? process.env, stdio: ['inherit', problemIn ? 'pipe' : 'inherit', 'inherit'], encoding: 'utf8' });
  if (problemIn) process.stdout.write(shown ? shown(result.stdout ?? '') : (result.stdout ?? ''));
  const failure = lintStepFailure(result, problemIn);
  console.log(`${name}: ${failure || 'clean'}`);
  failed ||= Boolean(failure);
  setupWrong ||= result.error !== undefined;
}
rmSync(dirname(withAuditTrail), { recursive: true, force: true });
process.exit(setupWrong ? ExitCode.usage : failed ? ExitCode.failed : ExitCode.ok);
