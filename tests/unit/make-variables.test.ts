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

describe("make bench's CI", () => {
  it("is a switch when typed, one word, checked before anything runs, and a CI service's own value is taken as it is, where CI=1 ran the full bench", async () => {
    // Prepare: a shell without a CI setting of its own, but where a case sets it
    const { CI: _ci, ...shell } = typedInAShell();
    const planned = (variables: string[], env: NodeJS.ProcessEnv = shell) => runCommand('make', ['--dry-run', '--no-print-directory', 'bench', ...variables], env);
    const quick = async (variables: string[], env?: NodeJS.ProcessEnv) => / --quick\b/.test((await planned(variables, env)).stdout);
    // Act
    const typed: [string, boolean][] = [];
    for (const variable of ['CI=1', 'CI=yes', 'CI=true', 'CI=0', 'CI=no', 'CI=false']) typed.push([variable, await quick([variable])]);
    const fromService = await quick([], { ...shell, CI: 'true' });
    const otherService = await planned([], { ...shell, CI: 'woodpecker' });
    const refused = [await planned(['CI=banana']), await planned(['CI=1 0']), await planned(['CI=']), await runCommand('make', ['--dry-run', '--no-print-directory', 'deploy', 'bench', 'CI=x'], shell)];
    // Assess
    expect(typed).toEqual([
      ['CI=1', true],
      ['CI=yes', true],
      ['CI=true', true],
      ['CI=0', false],
      ['CI=no', false],
      ['CI=false', false],
    ]);
    expect(fromService).toBe(true);
    expect([otherService.code, / --quick\b/.test(otherService.stdout)]).toEqual([0, false]);
    expect(await quick([])).toBe(false);
    expect(refused.map((run) => run.code)).toEqual([2, 2, 2, 2]);
    expect(refused[0]!.stderr).toContain("CI='banana' is no switch: CI=1 (or yes, true) runs the smaller bench, as QUICK=1 does; CI=0 (or no, false) the full one");
    expect(refused[1]!.stderr).toContain("CI='1 0' is no switch");
    expect(refused[3]!.stdout).not.toContain('scripts/deploy.ts');
  });
});

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
