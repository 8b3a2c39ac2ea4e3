import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/paths.js';
import { environmentWithoutAws, runCommand } from '../support/run-command.js';

type Verb = { readonly name: string; readonly recipe: string };

/** Each verb of the Makefile with its recipe: the rule's line with its `##` help, and the tab-indented lines after it. */
function verbsOf(makefile: string): Verb[] {
  const verbs: Verb[] = [];
  for (const line of makefile.split('\n')) {
    const rule = /^([a-z-]+):.*## /.exec(line);
    if (rule) verbs.push({ name: rule[1]!, recipe: '' });
    else if (line.startsWith('\t') && verbs.length > 0) verbs[verbs.length - 1] = { ...verbs.at(-1)!, recipe: `${verbs.at(-1)!.recipe}${line}\n` };
  }
  return verbs;
}

/** The make variables a recipe hands on to its script: those it passes through `option`, and YES through `yes_flag`. */
const variablesHandedOn = (recipe: string): string[] => [
  ...[...recipe.matchAll(/\$\(call option,([A-Z_]+),/g)].map((match) => match[1]!),
  ...(recipe.includes('$(yes_flag)') ? ['YES'] : []),
];

describe('make help', () => {
  it("names, on each verb's line, every variable the verb's recipe hands on to its script", async () => {
    // Prepare: `make help` printed `make reconcile` without PREFIX and `make console` without LOG_HOURS, which a
    // newcomer reading it could not know they take
    const verbs = verbsOf(await readFile(join(projectRoot, 'Makefile'), 'utf8'));
    // Act
    const finished = await runCommand('make', ['--no-print-directory', 'help'], environmentWithoutAws());
    // Assess
    expect(finished.code).toBe(0);
    const unnamed = verbs.flatMap(({ name, recipe }) => {
      const line = finished.stdout.split('\n').find((printed) => printed.startsWith(`  make ${name} `)) ?? '';
      return variablesHandedOn(recipe).filter((variable) => !new RegExp(`\\b${variable}\\b`).test(line)).map((variable) => `${name} ${variable}`);
    });
    expect(verbs.length).toBeGreaterThan(20);
    expect(unnamed).toEqual([]);
  });

  it('lists no verb the README does not name', async () => {
    // Prepare
    const verbs = verbsOf(await readFile(join(projectRoot, 'Makefile'), 'utf8'));
    const readme = await readFile(join(projectRoot, 'README.md'), 'utf8');
    // Act
    const unnamed = verbs.map(({ name }) => name).filter((name) => !readme.includes(`\`make ${name}\``));
    // Assess
    expect(unnamed).toEqual([]);
  });
});
