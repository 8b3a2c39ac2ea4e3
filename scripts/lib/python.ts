import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { venvBin } from './paths.js';

/** The project's virtualenv Python (moto, cfn-lint, Node 22), or an error that says to run `make setup`. */
export function projectPython(): string {
  const python = join(venvBin, 'python');
  if (!existsSync(python)) {
    throw new Error(`the project's Python virtualenv is missing (${python}): run \`make setup\` first`);
  }
  return python;
}
