import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ExitCode } from './lib/cli.js';
import { projectRoot, templatePath, venvBin } from './lib/paths.js';

/** cfn-lint (pinned, from the project's virtualenv) on the template, dclint on compose.yaml, then the type check. */
const cfnLint = join(venvBin, 'cfn-lint');
if (!existsSync(cfnLint)) {
  console.error(`error: ${cfnLint} is missing: run \`make setup\` first`);
  process.exit(ExitCode.usage);
}

const steps: [string, string, string[]][] = [
  ['cfn-lint', cfnLint, ['--format', 'pretty', relative(projectRoot, templatePath)]],
  ['dclint', join(projectRoot, 'node_modules', '.bin', 'dclint'), ['--max-warnings', '0', 'compose.yaml']],
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
