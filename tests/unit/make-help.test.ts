import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/paths.js';
import { environmentWithoutAws, runCommand } from '../support/run-command.js';
import { makefileVerbs, variablesHandedOn } from './support/makefile-verbs.js';

/** The environment of a make typed in a shell: without `make test`'s own make level, under which the check is off. */
function typedInAShell(): NodeJS.ProcessEnv {
  const { MAKELEVEL: _level, MAKEFLAGS: _flags, MFLAGS: _oldFlags, ...environment } = environmentWithoutAws();
  return environment;
}

describe('make help', () => {
  it("names, on each verb's line, every variable the verb's recipe hands on to its script", async () => {
    // Prepare: `make help` printed `make reconcile` without PREFIX and `make console` without LOG_HOURS, which a
    // newcomer reading it could not know they take
    const verbs = await makefileVerbs();
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
    const verbs = await makefileVerbs();
    const readme = await readFile(join(projectRoot, 'README.md'), 'utf8');
    // Act
    const unnamed = verbs.map(({ name }) => name).filter((name) => !readme.includes(`\`make ${name}\``));
    // Assess
    expect(unnamed).toEqual([]);
  });

  it('refuses a verb it does not have, naming it and every verb, where make said only "No rule to make target"', async () => {
    // Prepare: the verbs `make help` lists, each of which must pass the check
    const verbs = (await makefileVerbs()).map(({ name }) => name);
    // Act
    const misspelt = await runCommand('make', ['--dry-run', '--no-print-directory', 'seeed'], typedInAShell());
    const every = await runCommand('make', ['--dry-run', '--no-print-directory', ...verbs.filter((name) => name !== 'help' && name !== 'bench')], typedInAShell());
    // Assess
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain('there is no verb seeed: the verbs are help, setup, build, lint,');
    expect(misspelt.stderr).toContain('bench and clean (`make help` says what each does)');
    expect(every.stderr).not.toContain('there is no verb');
  });
});
