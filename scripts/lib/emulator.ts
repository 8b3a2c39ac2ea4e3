import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, openSync, statSync } from 'node:fs';
import { mkdir, open, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { UsageError } from './cli.js';
import { jsonAt } from './http.js';
import { lambdaRuntimeDir, projectRoot } from './paths.js';
import { argumentsOf, commandLineOf, processAlive, runsScript, StatField, statFieldsOf } from './process-alive.js';
import { portListenedOn } from './port-owner.js';
import { portSetting } from './port-setting.js';
import { projectPython } from './python.js';
import { whileLocked } from './start-lock.js';
import { waitFor } from './wait.js';

const launcher = join(projectRoot, 'scripts', 'emulator', 'launcher.py');
const READY = /^backup-kit emulator ready on (http:\/\/\S+)$/;
const START_TIMEOUT_MS = 60_000;

export type EmulatorStopped = { readonly killed: boolean };

export type RunningEmulator = {
  readonly endpoint: string;
  readonly pid: number | undefined;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after 5 s; says whether the emulator had to be killed. */
  stop(): Promise<EmulatorStopped>;
  /** The emulator's log, for printing when something failed. */
  log(): Promise<string>;
};

type StartOptions = {
  /** Where the log and unpacked function code go; one directory per emulator. */
  readonly stateDir: string;
  readonly port?: number;
  /** Keep running after this process exits (make deploy); otherwise it stops with its parent. */
  readonly detached?: boolean;
  /**
   * Stopping with its parent, runs in a process group of its own: a Ctrl-C in the terminal reaches the script alone,
   * which stops it once what it does at that moment is done (the bench), where the emulator stopped under it at once.
   */
  readonly ownProcessGroup?: boolean;
  readonly env?: Readonly<Record<string, string>>;
};

/** Reads a log from a byte offset on: what one start of the emulator wrote. */
async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Starts the embedded emulator and resolves once it accepts requests. */
export async function startEmulator(options: StartOptions): Promise<RunningEmulator> {
  await mkdir(options.stateDir, { recursive: true });
  const logFile = join(options.stateDir, 'emulator.log');
  // Appended to, never truncated: a second start in the same place must not wipe a running emulator's log.
  appendFileSync(logFile, `--- backup-kit emulator starting at ${new Date().toISOString()} (port ${options.port ?? 0}) ---\n`);
  const startedAt = statSync(logFile).size;
  const logFd = openSync(logFile, 'a');
  const args = [launcher, '--port', String(options.port ?? 0), '--state-dir', options.stateDir];
  if (!options.detached) args.push('--exit-with-parent');
  const child = spawn(projectPython(), args, {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', logFd],
    detached: (options.detached ?? false) || (options.ownProcessGroup ?? false),
    env: { ...process.env, PYTHONUNBUFFERED: '1', ...options.env },
  });
  closeSync(logFd);
  const readLog = () => readFile(logFile, 'utf8').catch(() => '');

  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the embedded emulator did not start within ${START_TIMEOUT_MS / 1000} s; its log is ${logFile}`));
    }, START_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = READY.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', async (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the embedded emulator exited before it was ready (${signal ?? `exit code ${code}`}):\n${await readFrom(logFile, startedAt)}`));
    });
  });
  if (options.detached) {
    child.stdout?.destroy();
    child.unref();
  }
  return { endpoint, pid: child.pid, logFile, stop: () => stopChild(child), log: readLog };
}

function stopChild(child: ChildProcess): Promise<EmulatorStopped> {
  // Already ended: this stop had nothing to kill (whoever ended it).
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ killed: false });
  return new Promise((resolve) => {
    let killed = false;
    const force = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve({ killed });
    });
    child.kill('SIGTERM');
  });
}

/** Where the shared emulator's state, log and record live, and the port it listens on. */
export type SharedEmulatorPlace = { readonly dir: string; readonly port: number };
/** Where `make emulator` listens, and where `make deploy` starts one in the background (BACKUP_KIT_EMULATOR_PORT overrides). */
const sharedPlace = (): SharedEmulatorPlace => ({ dir: join(projectRoot, '.emulator'), port: portSetting('BACKUP_KIT_EMULATOR_PORT', 4599) });

/** What `make emulator-stop` needs to find, verify and stop the background emulator. */
type EmulatorRecord = { pid: number; port: number; startedAt: string };
const recordFileIn = (place: SharedEmulatorPlace) => join(place.dir, 'emulator.json');

async function readRecord(place: SharedEmulatorPlace): Promise<EmulatorRecord | undefined> {
  try {
    return JSON.parse(await readFile(recordFileIn(place), 'utf8')) as EmulatorRecord;
  } catch {
    return undefined;
  }
}

type Health = { readonly emulator?: string; readonly pid?: number; readonly code?: string };

/** How long the emulator has to answer its health check before it counts as not answering. */
const HEALTH_WITHIN_MS = 2_000;

/** What the kit's emulator on `endpoint` reports about itself, when one answers there. */
async function healthAt(endpoint: string): Promise<Health | undefined> {
  const health = await jsonAt<Health>(`${endpoint}/_backup-kit/health`, HEALTH_WITHIN_MS);
  return health?.emulator === 'backup-kit' ? health : undefined;
}

/** The digest of the emulator's own code in this checkout, as the launcher computes it (code_fingerprint). */
export async function emulatorCodeFingerprint(): Promise<string> {
  const roots = [join(projectRoot, 'scripts', 'emulator'), lambdaRuntimeDir];
  const files: string[] = [];
  for (const root of roots) {
    for (const entry of await readdir(root, { recursive: true })) {
      if (/\.(py|mjs)$/.test(entry) && !entry.split('/').includes('__pycache__')) files.push(relative(projectRoot, join(root, entry)));
    }
  }
  const digest = createHash('sha256');
  for (const file of files.sort()) {
    const content = createHash('sha256').update(await readFile(join(projectRoot, file))).digest('hex');
    digest.update(`${file}\0${content}\n`);
  }
  return digest.digest('hex');
}

/**
 * The endpoint of the shared embedded emulator that `make deploy`, `make matrix` and friends use: the one
 * answering on the shared port (started by `make emulator` or by an earlier script), else a new one
 * started there in the background. When two scripts start one at once, the port decides: the launcher that
 * binds it wins, and the other script uses the winner.
 */
export async function ensureEmbeddedEmulator(options: { start: boolean; place?: SharedEmulatorPlace }): Promise<string> {
  const place = options.place ?? sharedPlace();
  const { endpoint, found } = await findOrStart(place, options);
  if (found?.pid !== undefined) await noteAnotherCheckouts(place, endpoint, found.pid);
  return endpoint;
}

/** The emulator a verb goes on with: its endpoint, and its health when it was running already (not started now). */
type Settled = { readonly endpoint: string; readonly found?: Health };

async function findOrStart(place: SharedEmulatorPlace, options: { start: boolean }): Promise<Settled> {
  const shared = `http://127.0.0.1:${place.port}`;
  const health = await healthAt(shared);
  if (health && (!options.start || health.code === (await emulatorCodeFingerprint()))) return { endpoint: shared, found: health };
  if (!options.start) return startOrReplace(place, options, health);
  await mkdir(place.dir, { recursive: true });
  // Held while it starts or replaces one, as `make emulator-stop` holds it: a stop during a start waits for it and
  // stops what it started, where it found no record yet, said none ran, and the start's emulator ran on. Its health is
  // asked again under the lock: another script may have started it meanwhile.
  return whileLocked(lockFileIn(place), { what: 'start or stop of the embedded emulator', timeoutMs: LOCK_WAIT_MS, onWait: waitingFor }, async () =>
    startOrReplace(place, options, await healthAt(shared)),
  );
}

const lockFileIn = (place: SharedEmulatorPlace) => join(place.dir, 'emulator.lock');
/** The longest a start or stop waits for another: an emulator's start, and a stop's SIGTERM grace and SIGKILL. */
const LOCK_WAIT_MS = 120_000;
const waitingFor = (holder: number) => console.log(`another start or stop of the embedded emulator (pid ${holder}) is under way: waiting for it`);

async function startOrReplace(place: SharedEmulatorPlace, options: { start: boolean }, health: Health | undefined): Promise<Settled> {
  const shared = `http://127.0.0.1:${place.port}`;
  if (health) {
    if (!options.start || health.code === (await emulatorCodeFingerprint())) return { endpoint: shared, found: health };
    // An emulator started before a `git pull` (or an edit) would test old code: replace the kit's own one, recorded on
    // this port or found there without its record (a start cut short). One recorded on another port is not the one
    // answering here: stopping it lost what it held while the emulator of other code here went on being used.
    const recordedPort = (await readRecord(place))?.port;
    const stop = recordedPort === undefined || recordedPort === place.port ? await stopRecordedEmulator(place) : undefined;
    if (!stop?.stopped) {
      const elsewhere = health.pid === undefined ? undefined : await startedElsewhere(health.pid);
      throw new UsageError(
        `the embedded emulator on ${shared} runs other code than this checkout and was not started by it: ${elsewhere ? `it ${elsewhere}, then try again` : 'stop it (Ctrl-C where `make emulator` runs) and try again'}`,
      );
    }
    console.log(`${stop.message}: it ran other code than this checkout; starting it again (its stacks and objects were in memory and are gone)`);
  }
  // One record per checkout: a second background emulator on another port would orphan the first.
  const recorded = await readRecord(place);
  // This checkout's emulator runs but did not answer: starting another would only find the port taken.
  if (recorded && recorded.port === place.port && (await runsScript(recorded.pid, launcher))) {
    throw new UsageError(
      `the embedded emulator (pid ${recorded.pid}) on ${shared} did not answer within ${HEALTH_WITHIN_MS / 1000} s: it is stopped or overloaded (its log: ${relative(projectRoot, join(place.dir, 'shared', 'emulator.log'))}); try again, or restart it with \`make emulator-stop\` and \`make deploy\` (its stacks and objects are in memory and go with it)`,
    );
  }
  const recordedElsewhere = recorded && recorded.port !== place.port && (await healthAt(`http://127.0.0.1:${recorded.port}`)) ? recorded.port : undefined;
  // Recorded here and not stopped, yet gone (a crash, a kill, a reboot): what it held went with it, which a user who
  // deployed and seeded into it must be told, not only that none answers.
  const ended =
    recorded && recorded.port === place.port && !processAlive(recorded.pid)
      ? `the background emulator this checkout started at ${recorded.startedAt} (pid ${recorded.pid}) has ended without a stop (its log ${relative(projectRoot, join(place.dir, 'shared', 'emulator.log'))} may say why), and the stacks, buckets and backups it held in memory went with it`
      : undefined;
  // Another program on the port (a web server, another tool): the verbs said that no emulator answers and to deploy,
  // and the deploy spent seconds starting one that could not listen there, exit 1. An emulator binds the port before
  // it answers, so one that another start has under way is given a moment.
  if (!recordedElsewhere && !ended && (await portListenedOn(place.port))) {
    const starting = await waitFor('an emulator starting on the shared port', () => healthAt(shared), { timeoutMs: 5_000 }).catch(() => undefined);
    // It answers now: the checks of an emulator that answered at once (its code) apply to it too.
    if (starting) return startOrReplace(place, options, starting);
    throw new UsageError(
      `something other than the embedded emulator listens on 127.0.0.1:${place.port} (BACKUP_KIT_EMULATOR_PORT, 4599 when unset): stop it, or give the kit a free port (export BACKUP_KIT_EMULATOR_PORT=<port> in every terminal you use)`,
    );
  }
  if (!options.start) {
    throw new UsageError(
      recordedElsewhere
        ? `no embedded emulator answers on ${shared} (BACKUP_KIT_EMULATOR_PORT, 4599 when unset); this checkout's background emulator runs on http://127.0.0.1:${recordedElsewhere}: set BACKUP_KIT_EMULATOR_PORT=${recordedElsewhere}`
        : ended
          ? `no embedded emulator answers on ${shared}: ${ended}: \`make deploy\` starts a new one`
          : `no embedded emulator answers on ${shared}: \`make deploy\` starts one (or run \`make emulator\` in another terminal)`,
    );
  }
  if (ended) console.log(`${ended}: starting a new one`);
  if (recordedElsewhere) {
    throw new UsageError(
      `this checkout's background emulator runs on http://127.0.0.1:${recordedElsewhere}: stop it first (BACKUP_KIT_EMULATOR_PORT=${recordedElsewhere} make emulator-stop), or use its port`,
    );
  }
  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator({ stateDir: join(place.dir, 'shared'), port: place.port, detached: true });
  } catch (error) {
    const winner = await waitFor('another emulator on the shared port', () => healthAt(shared), { timeoutMs: 5_000 }).catch(() => undefined);
    if (winner) return { endpoint: shared, found: winner };
    throw error;
  }
  const record: EmulatorRecord = { pid: emulator.pid!, port: place.port, startedAt: new Date().toISOString() };
  await writeFile(recordFileIn(place), JSON.stringify(record, null, 2));
  console.log(`started the embedded emulator on ${emulator.endpoint} (log: ${emulator.logFile}; stop it with \`make emulator-stop\`)`);
  return { endpoint: emulator.endpoint };
}

/** Where an emulator keeps its state, read from its launcher's arguments: the place (a checkout's `.emulator`) and how it runs. */
type EmulatorOrigin = { readonly place: string; readonly checkout: string; readonly how: 'background' | 'foreground' | 'private' };

/**
 * The origin of the emulator of this pid (Linux /proc); undefined where its arguments or its working directory cannot
 * be read. A state directory is resolved from where the emulator runs: `make emulator` gives it relative to its own
 * checkout, which read from here named this checkout instead.
 */
async function originOf(pid: number): Promise<EmulatorOrigin | undefined> {
  const args = await argumentsOf(pid);
  const stateDir = args?.[args.indexOf('--state-dir') + 1];
  if (!args?.includes('--state-dir') || !stateDir) return undefined;
  const runsIn = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
  if (runsIn === undefined) return undefined;
  const place = resolve(runsIn, dirname(stateDir));
  const checkout = basename(place) === '.emulator' ? dirname(place) : place;
  const how = args.includes('--exit-with-parent') ? 'private' : basename(stateDir) === 'foreground' ? 'foreground' : 'background';
  return { place, checkout, how };
}

/** Who started an emulator, in words: `make emulator` of a checkout, a checkout's background start, a process's own. */
function startedBy(origin: EmulatorOrigin, pid: number): string {
  if (origin.how === 'private') return `is a private emulator of process ${statFieldsOf(pid)?.[StatField.ppid] ?? '?'} (a test suite's), and stops with it`;
  if (origin.how === 'foreground') return `is \`make emulator\` of the checkout ${origin.checkout}`;
  return `was started in the background by the checkout ${origin.checkout}`;
}

/**
 * Who started the emulator of this pid, which this checkout did not, and how to stop it there, read from the launcher's
 * arguments: its state directory lies in the `.emulator` of the checkout that started it. Undefined where they cannot
 * be read.
 */
async function startedElsewhere(pid: number): Promise<string | undefined> {
  const origin = await originOf(pid);
  if (!origin) return undefined;
  const stop = { private: '', foreground: ': stop it with Ctrl-C where that runs', background: ': stop it there (`make emulator-stop`)' }[origin.how];
  return `${startedBy(origin, pid)}${stop}`;
}

/**
 * Says so when the emulator a verb uses is another checkout's (two checkouts, one port): its verbs then act on that
 * checkout's stacks, buckets and backups (a destroy empties its inbox), where they said nothing of it.
 */
async function noteAnotherCheckouts(place: SharedEmulatorPlace, endpoint: string, pid: number): Promise<void> {
  if ((await readRecord(place))?.pid === pid) return;
  const origin = await originOf(pid);
  if (!origin || origin.how === 'private' || origin.place === resolve(place.dir)) return;
  console.error(
    `note: the embedded emulator on ${endpoint} ${startedBy(origin, pid)}: this checkout's verbs act on the stacks, buckets and backups it holds, that checkout's too (BACKUP_KIT_EMULATOR_PORT=<another port> gives this checkout an emulator of its own)`,
  );
}

/** What `make emulator-stop` did, in words a person can act on. */
export type StopReport = { readonly stopped: boolean; readonly message: string };

/**
 * Stops the shared embedded emulator that a script started, after making sure the recorded pid still is that
 * emulator: it reports that pid on the shared port, or its command line runs this checkout's launcher. A pid
 * that now belongs to another process (pids are reused) is never signalled.
 */
export async function stopSharedEmulator(place: SharedEmulatorPlace = sharedPlace()): Promise<StopReport> {
  await mkdir(place.dir, { recursive: true });
  const report = await whileLocked(lockFileIn(place), { what: 'start or stop of the embedded emulator', timeoutMs: LOCK_WAIT_MS, onWait: waitingFor }, () =>
    stopRecordedEmulator(place),
  );
  // What it held lived in its memory alone: said where a user stops it (`make emulator-stop`, `make clean`), so that
  // the next verb's "no stack" is no surprise.
  return report.stopped ? { ...report, message: `${report.message}; the stacks, buckets and backups it held in memory went with it (\`make deploy\` starts a new one)` } : report;
}

async function stopRecordedEmulator(place: SharedEmulatorPlace): Promise<StopReport> {
  const record = await readRecord(place);
  const endpoint = `http://127.0.0.1:${record?.port ?? place.port}`;
  const answering = (await healthAt(endpoint))?.pid;
  if (!record) {
    // This checkout's own background emulator without its record: a start cut short (Ctrl-C) after the launch and
    // before the record, or a record removed by hand. Left alone, no verb could stop it, and `make clean` deleted its
    // folder under it.
    if (answering !== undefined && (await isUnrecordedOwn(place, answering))) {
      return stopEmulatorProcess(answering, endpoint, ': this checkout had started it in the background without recording it (a start cut short?)');
    }
    return {
      stopped: false,
      message: answering
        ? `no background emulator was started by this checkout; the emulator on ${endpoint} (pid ${answering}) ${(await startedElsewhere(answering)) ?? 'was started elsewhere (`make emulator`?): stop it where it runs'}`
        : 'no embedded emulator was running',
    };
  }
  await rm(recordFileIn(place), { force: true });
  const verified = answering === record.pid || ((await runsScript(record.pid, launcher)) ?? false);
  if (!verified) {
    const commandLine = await commandLineOf(record.pid);
    const now = !processAlive(record.pid) ? 'no longer exists' : `is now ${commandLine ? `\`${commandLine.slice(0, 120)}\`` : 'another process'}`;
    return { stopped: false, message: `the recorded emulator (pid ${record.pid}) ${now}: nothing was signalled; removed the stale record` };
  }
  return stopEmulatorProcess(record.pid, endpoint);
}

/** Whether the emulator of this pid is a background one that keeps its state in this place (not `make emulator`'s). */
async function isUnrecordedOwn(place: SharedEmulatorPlace, pid: number): Promise<boolean> {
  const origin = await originOf(pid);
  return origin?.how === 'background' && origin.place === resolve(place.dir);
}

async function stopEmulatorProcess(pid: number, endpoint: string, why = ''): Promise<StopReport> {
  process.kill(pid, 'SIGTERM');
  const exited = await waitFor(`pid ${pid} to exit`, async () => (processAlive(pid) ? undefined : true), { timeoutMs: 10_000, intervalMs: 100 }).catch(() => false);
  if (!exited) process.kill(pid, 'SIGKILL');
  return { stopped: true, message: `stopped the embedded emulator (pid ${pid}, ${endpoint})${why}${exited ? '' : ' with SIGKILL: it did not stop within 10 s of SIGTERM'}` };
}
