import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/paths.js';
import { environmentWithoutAws, runCommand } from '../support/run-command.js';
import { makefileVerbs, variablesHandedOn } from './support/makefile-verbs.js';

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
});
