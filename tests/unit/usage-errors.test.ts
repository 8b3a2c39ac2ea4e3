import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/paths.js';
import { environmentWithoutAws, runCommand, withTsx } from '../support/run-command.js';

// No AWS set-up, and the emulator's port held by a socket that is no emulator: a command that got past its usage
// check fails at once, offline, and cannot start an emulator.
let portHolder: Server;
beforeAll(async () => {
  portHolder = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => portHolder.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => portHolder.close(() => resolve())));

const isolatedEnv = (): NodeJS.ProcessEnv => {
  const { YES: _ignored, ...environment } = environmentWithoutAws();
  return { ...environment, BACKUP_KIT_EMULATOR_PORT: String((portHolder.address() as AddressInfo).port) };
};

const run = (command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) => runCommand(command, args, { ...isolatedEnv(), ...extraEnv });
const script = (name: string, ...args: string[]) => run(process.execPath, withTsx(join('scripts', `${name}.ts`), ...args));
const SPAWNS_TSX = 30_000;

describe('only an explicit yes confirms a change on aws', () => {
  it.each([
    [['destroy', 'TARGET=aws', 'YES=0'], 'leave it out (on aws destroy then refuses: it never asks).'],
    [['matrix', 'TARGET=aws', 'YES=0'], 'leave it out (on aws the matrix then refuses cases 5 and 7: it never asks).'],
    [['deploy-aws', 'YES=no'], 'leave it out to be asked.'],
  ])('make %j is a usage error that says what to type, and what leaving it out does', async (makeArgs, leftOut) => {
    // Act
    const finished = await run('make', ['--no-print-directory', ...makeArgs]);
    // Assess: destroy and the matrix ask nothing, so "to be asked" sent the owner to a refusal
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain(`is not an explicit yes: confirm with YES=1 (make) or --yes (script), or ${leftOut}`);
  }, SPAWNS_TSX);

  it('make passes an explicit yes on to the script', async () => {
    // Act
    const finished = await run('make', ['--dry-run', '--no-print-directory', 'destroy', 'TARGET=aws', 'YES=1']);
    // Assess
    expect(finished.stdout).toContain("scripts/destroy.ts --target aws --yes='1'");
  });

  it('make destroy passes DELETE_AUDIT_LOGS on, and the script takes it', async () => {
    // Act
    const finished = await run('make', ['--dry-run', '--no-print-directory', 'destroy', 'DELETE_AUDIT_LOGS=1']);
    const help = await script('destroy', '--help');
    // Assess
    expect(finished.stdout).toMatch(/scripts\/destroy\.ts --target embedded +--delete-audit-logs='1'/);
    expect(help.stdout).toContain('--delete-audit-logs');
  }, SPAWNS_TSX);
});

describe('TARGET, from the command line or the shell', () => {
  it.each([[['seed', 'COUNT=1', 'TARGET=']], [['seed', 'COUNT=1', 'TARGET=embedded;echo INJECTED']], [['logs', 'TARGET=embedded aws']]])(
    'make %j stops before any script runs, naming it, instead of reading what follows as its value or running it',
    async (makeArgs) => {
      // Act
      const finished = await run('make', ['--no-print-directory', ...makeArgs]);
      // Assess
      expect(finished.code).toBe(2);
      expect(finished.stderr).toMatch(/TARGET='.*' is no target: use TARGET=embedded, TARGET=localstack or TARGET=aws/);
      expect(finished.stdout).not.toContain('INJECTED');
    },
  );
});

describe('a value with a line break', () => {
  it('is refused by make, naming the variable and the script option to use instead of breaking the recipe', async () => {
    // Act
    const finished = await run('make', ['--no-print-directory', 'seed', 'COUNT=1', 'PREFIX=nl\nx']);
    // Assess
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain("PREFIX holds a line break, which make cannot hand on to the script: run it with tsx and --prefix $'…' instead, \\n for the break");
    expect(finished.stderr).not.toContain('unexpected EOF');
  });
});

describe('no AWS credentials for TARGET=aws', () => {
  it('is a set-up error (exit 2) that says how to sign in, not a bare exit 1', async () => {
    // Prepare: no credentials anywhere the SDK looks (no files, no instance metadata)
    const noCredentials = { AWS_REGION: 'eu-central-1', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' };
    // Act
    const finished = await run(process.execPath, withTsx(join('scripts', 'seed.ts'), '--target', 'aws', '--count', '1'), noCredentials);
    // Assess
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain('no AWS credentials were found for TARGET=aws: sign in (`aws sso login --profile <name>`, then AWS_PROFILE=<name>)');
  }, SPAWNS_TSX);

  it('names the profile AWS_PROFILE gives when it gives none, as deploy-aws does, instead of advising to set it', async () => {
    // Prepare: a profile in neither shared file (a typo, or another machine's)
    const noSuchProfile = { AWS_REGION: 'eu-central-1', AWS_PROFILE: 'nosuch', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' };
    // Act
    const finished = await run(process.execPath, withTsx(join('scripts', 'seed.ts'), '--target', 'aws', '--count', '1'), noSuchProfile);
    // Assess
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain(
      'no AWS credentials were found for TARGET=aws: AWS_PROFILE=nosuch gave none: check that it names a profile of the shared config or credentials file (`aws configure list-profiles` lists them), and sign in to it (`aws sso login --profile nosuch`), and run it again',
    );
  }, SPAWNS_TSX);
});

describe('a script run by hand, as the README shows (node --import tsx scripts/<verb>.ts)', () => {
  it("prints no notice about the SDK's future Node versions, which make's runs hide too", async () => {
    // Prepare: outside make, which exports AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED; on Node 20 the SDK printed
    // eight lines about Node 22 before each run's own output
    const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _hidden, ...outsideMake } = isolatedEnv();
    const noCredentials = { AWS_REGION: 'eu-central-1', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' };
    // Act
    const finished = await runCommand(process.execPath, withTsx(join('scripts', 'seed.ts'), '--target', 'aws', '--count', '1'), { ...outsideMake, ...noCredentials });
    // Assess
    expect(finished.stderr).toContain('no AWS credentials were found for TARGET=aws');
    expect(finished.stderr).not.toContain('NodeVersionSupportWarning');
  }, SPAWNS_TSX);
});

describe('a restore to a time still to come', () => {
  it('says so before it asks the target anything, as a mistyped year would otherwise pass unseen', async () => {
    // Act: no emulator answers on port 9
    const finished = await run(process.execPath, withTsx(join('scripts', 'restore.ts'), '--key', 'a.txt', '--at', '2099-01-01'), { BACKUP_KIT_EMULATOR_PORT: '9' });
    // Assess
    expect(finished.stderr).toContain('note: AT=2099-01-01T00:00:00.000Z is still to come: the plan is of the buckets as they are now (a mistyped year?)');
    expect(finished.code).toBe(2);
  }, SPAWNS_TSX);
});

describe('the matrix on aws', () => {
  it('refuses cases 5 and 7 without an explicit yes, before it reads anything, as they break the deployed function for a while', async () => {
    // Act
    const refused = await script('matrix', '--target', 'aws', '--case', '7');
    const passed = await run('make', ['--dry-run', '--no-print-directory', 'matrix', 'TARGET=aws', 'YES=1']);
    // Assess
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing to run cases 5 and 7 on aws without --yes (make matrix TARGET=aws YES=1)');
    expect(passed.stdout).toContain("scripts/matrix.ts --target aws --yes='1'");
  }, SPAWNS_TSX);
});

describe('make deploy TARGET=aws takes what make deploy-aws takes', () => {
  it('passes YES and DELETE_AUDIT_LOGS on to the script, as deploy-aws does', async () => {
    // Act
    const finished = await run('make', ['--dry-run', '--no-print-directory', 'deploy', 'TARGET=aws', 'YES=1', 'DELETE_AUDIT_LOGS=1']);
    // Assess
    expect(finished.stdout).toContain("scripts/deploy.ts --target aws --yes='1' --delete-audit-logs='1'");
  });
});

describe('make hands on only what is typed on its command line', () => {
  it('ignores switches and values that come from the shell instead of the command line', async () => {
    // Prepare: a leftover export, and a PREFIX that some systems set for their own use
    const environment = { DELETE_BACKUPS: '1', YES: '1', PREFIX: '/usr', FORCE: '1' };
    // Act
    const destroy = await run('make', ['--dry-run', '--no-print-directory', 'destroy', 'TARGET=aws'], environment);
    const reconcile = await run('make', ['--dry-run', '--no-print-directory', 'reconcile'], environment);
    // Assess
    expect(destroy.stdout.trim()).toMatch(/scripts\/destroy\.ts --target aws\s*$/);
    expect(reconcile.stdout.trim()).toMatch(/scripts\/reconcile\.ts --target embedded\s*$/);
  });

  it('hands a blank value on too, for the script to refuse, instead of dropping it', async () => {
    // Act: CASE=' ' (make strips it to nothing) used to run every case, as if CASE were not there
    const finished = await run('make', ['--dry-run', '--no-print-directory', 'matrix', 'CASE= ']);
    // Assess
    expect(finished.stdout).toContain("--case=''");
  });

  it('hands a value on as typed, with its $ and quotes', async () => {
    // Act
    const finished = await run('make', ['--dry-run', '--no-print-directory', 'restore', "KEY=inv/$q1 it's.csv"]);
    // Assess
    expect(finished.stdout).toContain("--key='inv/$q1 it'\\''s.csv'");
  });
});

describe('usage errors exit with 2 and say what to type', () => {
  it.each([
    [['deploy', '--target', 'constructor'], "option '-t, --target <target>' argument 'constructor' is invalid. Allowed choices are embedded, localstack, aws."],
    [['matrix', '--case', 'abc'], "option '-c, --case <number...>' argument 'abc' is invalid. Give a whole number from 1 to 8, e.g. --case 3 (make matrix CASE=3)."],
    [['seed', '--size', '1e10'], "option '-s, --size <bytes>' argument '1e10' is invalid. Give a whole number from 0 to 104857600"],
    [['seed', '--event', ''], "option '--event <key>' argument '' is invalid. It must not be empty, e.g. --event seed/file-0.bin."],
    [['seed', '--prefix', ' '], "option '--prefix <folder>' argument ' ' is invalid. It must not be empty, e.g. --prefix seed/ (make seed PREFIX=seed/)."],
    [['seed', '--count', '11', '--size', '104857600'], 'seed fewer or smaller files, e.g. --count 11 --size 97612893'],
    [['seed', '--prefix', '/lead'], "--prefix '/lead' begins with a slash, which S3 keeps as part of every key: write it without (make seed PREFIX='lead', or --prefix 'lead'); / alone is the top of the bucket"],
    // S3 keeps `..` as a name, and `aws s3 cp` skips such keys when it downloads them; seed wrote ../../escape/… (exit 0)
    [['seed', '--prefix', 'a/../b'], "--prefix 'a/../b' holds a folder named \"..\", which S3 keeps as a name, not as a step up or here (`aws s3 cp` skips such keys when it downloads them): write it without (make seed PREFIX='a/b/', or --prefix 'a/b/')"],
    [['seed', '--prefix', 'a//b'], "--prefix 'a//b' holds a folder with no name between two slashes, which S3 would make part of every key: write it without (make seed PREFIX='a/b/', or --prefix 'a/b/')"],
    [['seed', '--count', '10', '--prefix', 'x'.repeat(989)], "--prefix makes keys of 1025 bytes, more than S3's 1024: seed's file names take 35, so the prefix may have at most 989 bytes with its trailing /"],
    // The example names make's variable beside the option, as the others do (it said only --since 60 to `make logs SINCE=1h`)
    [['logs', '--since', 'yesterday'], "option '-s, --since <minutes>' argument 'yesterday' is invalid. Give a whole number from 0 to 525600, e.g. --since 60 (make logs SINCE=60)."],
    [['seed', '--size', '1KiB'], "option '-s, --size <bytes>' argument '1KiB' is invalid. Give a whole number from 0 to 104857600, e.g. --size 1048576 (make seed SIZE=1048576)."],
    [['console', '--port', '99999'], "option '--port <port>' argument '99999' is invalid. Give a whole number from 0 to 65535, e.g. --port 4600 (make console CONSOLE_PORT=4600)."],
    [['console', '--log-hours', '0'], "option '--log-hours <hours>' argument '0' is invalid. Give a whole number from 1 to 2160"],
    [['deploy', '--parameter', 'CopyConcurrency'], 'parameter override "CopyConcurrency" must look like Name=Value (e.g. --parameter FunctionMemoryMb=1024)'],
    [['deploy', '-p', 'NamePrefix=other'], 'NamePrefix names the stack, and every other verb finds the stack by the parameter file: set it in cloudformation/parameters/embedded.json instead'],
    // The advice names the checkout's own background emulator when one runs (a `make deploy` left it), else how to start one.
    // The port's holder is no emulator, which the verb names (unless this checkout's own emulator runs on another port).
    [
      ['redrive'],
      /(something other than the embedded emulator listens on 127\.0\.0\.1:\d+ \(BACKUP_KIT_EMULATOR_PORT, 4599 when unset\): stop it, or give the kit a free port|no embedded emulator answers on http:\/\/127\.0\.0\.1:\d+ \(BACKUP_KIT_EMULATOR_PORT, 4599 when unset\); this checkout's background emulator runs on http:\/\/127\.0\.0\.1:\d+: set BACKUP_KIT_EMULATOR_PORT=\d+)/m,
    ],
  ] as const)('%j', async ([name, ...args], message) => {
    // Act
    const finished = await script(name!, ...args);
    // Assess: together, so that a run that went wrong shows how it ended beside what it said
    const said = typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message);
    expect({ code: finished.code, stderr: finished.stderr }).toEqual({ code: 2, stderr: said });
  }, SPAWNS_TSX);
});

describe('make emulator reads its port as the scripts do', () => {
  it.each(['99999', '0', 'abc', '45x'])('refuses BACKUP_KIT_EMULATOR_PORT=%s, saying what a port is, before it starts anything', async (port) => {
    // Act
    const finished = await run('make', ['--no-print-directory', 'emulator'], { BACKUP_KIT_EMULATOR_PORT: port });
    // Assess
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain(`BACKUP_KIT_EMULATOR_PORT=${port} is not a port: give a whole number from 1 to 65535, or leave it unset for 4599`);
  }, SPAWNS_TSX);
});

describe('make emulator in a checkout where make setup has not run', () => {
  it('says to run make setup (exit 2), where bash said the virtualenv\'s python was no such file (exit 127)', async () => {
    // Prepare: the Makefile in a directory without .venv
    const checkout = await mkdtemp(join(tmpdir(), 'backup-kit-no-setup-'));
    try {
      await writeFile(join(checkout, 'Makefile'), await readFile(join(projectRoot, 'Makefile')));
      // Act
      const finished = await run('make', ['--no-print-directory', '-C', checkout, 'emulator']);
      // Assess
      expect(finished.code).toBe(2);
      expect(finished.stderr).toContain("the project's Python virtualenv is missing (.venv/bin/python): run `make setup` first");
    } finally {
      await rm(checkout, { recursive: true, force: true });
    }
  });
});

describe('make console reads CONSOLE_PORT from the shell too, as make emulator reads BACKUP_KIT_EMULATOR_PORT', () => {
  it('takes an exported CONSOLE_PORT, instead of ignoring it and serving on 4600', async () => {
    // Act: exported, not typed on make's command line (it ran on 4600, and a page on the exported port never came)
    const finished = await run('make', ['--no-print-directory', 'console'], { CONSOLE_PORT: '99999' });
    // Assess
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain("from env 'CONSOLE_PORT' is invalid. Give a whole number from 0 to 65535");
  }, SPAWNS_TSX);

  it('lets CONSOLE_PORT typed on the command line win over the exported one', async () => {
    // Act
    const finished = await run('make', ['--no-print-directory', 'console', 'CONSOLE_PORT=99999'], { CONSOLE_PORT: '4600' });
    // Assess
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain("option '--port <port>' argument '99999' is invalid");
  }, SPAWNS_TSX);
});

describe('make up and make down need Docker Compose v2', () => {
  it.each(['up', 'down'])('make %s says so, and what to install, where `docker compose` is missing', async (verb) => {
    // Prepare: a `docker` without the compose plugin, as Debian's docker.io alone installs it
    const bin = await mkdtemp(join(tmpdir(), 'kit-no-compose-'));
    await writeFile(join(bin, 'docker'), '#!/bin/sh\necho "unknown command: docker $1" >&2\nexit 1\n', { mode: 0o755 });
    // Act
    const finished = await run('make', ['--no-print-directory', verb], { PATH: `${bin}:${process.env.PATH}` });
    // Assess
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain(`make ${verb} needs Docker Compose v2 (\`docker compose\`), which is not installed`);
    await rm(bin, { recursive: true, force: true });
  });
});

describe('matrix-compare tells a wrong command line (2) from reports that differ (1)', () => {
  it.each([[['embedded']], [['embedded', 'nowhere']]])('scripts/matrix-compare.ts %j exits 2, naming what is wrong', async (args) => {
    // Act
    const finished = await script('matrix-compare', ...args);
    // Assess
    expect(finished.code).toBe(2);
    expect(finished.stderr).toMatch(/missing required argument 'other'|'nowhere' is invalid for argument 'other'/);
  }, SPAWNS_TSX);
});

describe('the verbs that take no option', () => {
  it.each(['build', 'lint', 'emulator-stop', 'localstack-host', 'localstack-host-stop'])(
    'scripts/%s.ts answers --help with its usage and refuses an unknown option (exit 2), instead of doing its work',
    async (name) => {
      // Act
      const [help, unknown] = await Promise.all([script(name, '--help'), script(name, '--nope')]);
      // Assess
      expect([help.code, help.stdout.split('\n')[0]]).toEqual([0, `Usage: ${name} [options]`]);
      expect([unknown.code, unknown.stderr.split('\n')[0]]).toEqual([2, "error: unknown option '--nope'"]);
    },
    SPAWNS_TSX,
  );
});

describe('restore with a command line that asks for nothing clear', () => {
  it.each([
    [[], 'name either KEY=<key> or PREFIX=<folder/> (with AT=<time>)'],
    [['--prefix', 'docs'], 'a folder is restored as it was at a time: add AT=<ISO time>, e.g. AT=2026-11-27T18:00:00Z'],
    [['--list'], '--list shows the versions of one key: add KEY=<key>'],
    [['--list', '--key', 'a.txt', '--at', '2026-11-27T18:00:00Z'], 'LIST=1 only lists, and restores nothing: to list, leave out AT; to restore, leave out LIST=1'],
  ])('scripts/restore.ts %j says what to type (exit 2) before it asks the target anything', async (args, message) => {
    // Act: the emulator's port is held by a socket that is no emulator
    const finished = await script('restore', ...args);
    // Assess
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain(message);
  }, SPAWNS_TSX);
});
