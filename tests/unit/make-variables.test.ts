import { describe, expect, it } from 'vitest';
import { environmentWithoutAws, runCommand } from '../support/run-command.js';
import { makefileVerbs, variablesHandedOn } from './support/makefile-verbs.js';

/** The environment of a make typed in a shell: without the AWS settings and TARGET of whoever runs the tests, nor `make test`'s own make level. */
function typedInAShell(): NodeJS.ProcessEnv {
  const { MAKELEVEL: _level, MAKEFLAGS: _flags, MFLAGS: _oldFlags, ...environment } = environmentWithoutAws();
  return environment;
}

/** make's plan for a command line (--dry-run: nothing runs), as typed in a shell. */
const plan = (...args: string[]) => runCommand('make', ['--dry-run', '--no-print-directory', ...args], typedInAShell());

describe('a variable typed on make\'s command line that the verb does not take', () => {
  it.each([
    // A misspelt one: make ignored it, and seed uploaded its default ten files
    [['seed', 'COUNTS=5'], 'COUNTS', 'make seed takes COUNT, SIZE and PREFIX;'],
    // Another verb's switch: make ignored it, and destroy emptied the inbox and deleted the stack for real
    [['destroy', 'DRY_RUN=1'], 'DRY_RUN', 'make destroy takes YES, DELETE_BACKUPS, DISCARD_UNBACKED and DELETE_AUDIT_LOGS'],
    // A misspelt VERSION: make ignored it, and restore copied back the newest backup instead of the version asked for
    [['restore', 'KEY=docs/a.pdf', 'VERISON=3HL4k'], 'VERISON', 'make restore takes KEY, PREFIX, VERSION, AT, TO, FORCE, LIST and YES'],
    // A filter make logs does not have: it followed every line
    [['logs', 'KEY=docs/a.pdf'], 'KEY', 'make logs takes SINCE'],
    // Lower case is another name to make
    [['seed', 'count=5'], 'count', 'make seed takes COUNT, SIZE and PREFIX'],
  ])('make %j is refused before anything runs, naming it and what the verb takes', async (makeArgs, variable, takes) => {
    // Act
    const finished = await plan(...makeArgs);
    // Assess
    expect(finished.code).toBe(2);
    expect(finished.stdout).not.toContain('scripts/');
    expect(finished.stderr).toContain(`none of the verbs typed takes ${variable}=, which make would ignore, running them without it:`);
    expect(finished.stderr).toContain(takes);
  });

  it('is taken when another verb on the same command line takes it', async () => {
    // Act
    const finished = await plan('deploy', 'seed', 'COUNT=3');
    // Assess
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain("scripts/seed.ts --target embedded --count='3'");
  });

  it('passes when it is a setting of the scripts\' environment, which make exports to them', async () => {
    // Act
    const finished = await plan('deploy', 'BACKUP_KIT_EMULATOR_PORT=4812', 'AWS_PROFILE=dev', 'LOCALSTACK_ENDPOINT=http://127.0.0.1:4566');
    // Assess
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain('scripts/deploy.ts --target embedded');
  });

  it("passes in a make that another make's recipe runs, which inherits that one's variables", async () => {
    // Act: `$(MAKE) -C backup-kit deploy` in a Makefile of one's own, run as `make all ENV=prod`
    const finished = await runCommand('make', ['--dry-run', '--no-print-directory', 'deploy', 'ENV=prod'], { ...typedInAShell(), MAKELEVEL: '1' });
    // Assess
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain('scripts/deploy.ts --target embedded');
  });

  it("passes in bash-completion's listing of the verbs, which names a variable of its own, where tab completion of make offered none", async () => {
    // Act: what bash-completion (Debian's and Ubuntu's default) runs when `make de` is followed by a tab
    const finished = await runCommand('make', ['-npq', '__BASH_MAKE_COMPLETION__=1', '-C', '.', '.DEFAULT'], typedInAShell());
    // Assess
    expect(finished.stderr).not.toContain('none of the verbs typed takes');
    expect(finished.stdout).toMatch(/^deploy:/m);
  });

  it("is never one the verb's recipe hands on to its script", async () => {
    // Prepare
    const verbs = await makefileVerbs();
    // Act: every verb with every variable it hands on, and TARGET
    const refused: string[] = [];
    for (const { name, recipe } of verbs.filter((verb) => variablesHandedOn(verb.recipe).length > 0)) {
      const typed = [...variablesHandedOn(recipe).map((variable) => `${variable}=1`), 'TARGET=embedded'];
      const finished = await plan(name, ...typed);
      if (finished.stderr.includes('none of the verbs typed takes')) refused.push(`${name}: ${finished.stderr.trim()}`);
    }
    // Assess
    expect(refused).toEqual([]);
  });
});
