import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './cli.js';
import { venvBin } from './paths.js';

/** The project's virtualenv Python (moto, cfn-lint, Node 22), or a set-up error (exit 2) that says to run `make setup`. */
export function projectPython(): string {
  const python = join(venvBin, 'python');
  if (!existsSync(python)) {
    throw new UsageError(`the project's Python virtualenv is missing (${python}): run \`make setup\` first`);
  }
  return python;
}
