import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Interrupted, UsageError } from './cli.js';
import { answersOk } from './http.js';
import { requireLocalStackServices } from './localstack-services.js';
import { projectRoot } from './paths.js';
import { portSetting } from './port-setting.js';
import { portHeldByGroup } from './port-owner.js';
import { processAlive, processesRunningScript, runsScript } from './process-alive.js';
import { whileLocked } from './start-lock.js';
import { waitFor } from './wait.js';

const venv = join(projectRoot, '.venv-localstack');
const python = join(venv, 'bin', 'python');
/** Written by scripts/localstack/setup-venv.sh once the virtualenv is complete. */
const readyMarker = join(venv, '.backup-kit-deps');
const runner = join(projectRoot, 'scripts', 'localstack', 'host.py');
const stateRoot = join(projectRoot, '.localstack');
const recordFile = join(stateRoot, 'host.json');
/** The state folder of the LocalStack `make localstack-host` starts; test suites give theirs folders of their own. */
const sharedStateDir = join(stateRoot, 'host');
/** Held while `make localstack-host` starts it or `make localstack-host-stop` stops it: two starts at once would both pass the port check and both run. */
const lockFile = join(stateRoot, 'host.lock');
/** Where `make localstack-host` listens (BACKUP_KIT_LOCALSTACK_PORT overrides); 4566 stays free for LocalStack in Docker. */
const sharedLocalStackHostPort = () => portSetting('BACKUP_KIT_LOCALSTACK_PORT', 4577);

/** Where this checkout's `make localstack-host` would listen. */
export const localStackHostEndpoint = () => `http://127.0.0.1:${sharedLocalStackHostPort()}`;
const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 15_000;
/** How long a killed LocalStack may take to be gone. */
const KILLED_GONE_MS = 2_000;

export type RunningLocalStack = {
  readonly endpoint: string;
  readonly pid: number;
  readonly logFile: string;
  /** Whether it had to be killed: it had not ended within the grace after SIGTERM. */
  stop(): Promise<{ readonly killed: boolean }>;
  log(): Promise<string>;
};

/** Why LocalStack cannot run in host mode here (its virtualenv is missing), or undefined when it can. */
export function whyLocalStackHostCannotRun(): string | undefined {
  if (existsSync(python) && existsSync(readyMarker)) return undefined;
  return 'the LocalStack host-mode virtualenv (.venv-localstack) is not set up: `make setup` creates it where Python 3.13 or newer is found (PATH, pyenv, or BACKUP_KIT_LOCALSTACK_PYTHON)';
}

/** A free loopback port: LocalStack needs a concrete one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** Whether something listens on the loopback port already: LocalStack would then come up without it and answer nothing. */
function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(true) : reject(error)))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/**
 * SIGTERM to LocalStack, then, after `graceMs`, SIGKILL to its process group (LocalStack if it hangs, and whatever of the
 * kit's inits and the functions' Node processes is left); true when LocalStack had to be killed.
 */
async function stopGroup(pid: number, graceMs = STOP_GRACE_MS): Promise<boolean> {
  const signal = (target: number, name: NodeJS.Signals) => {
    try {
      process.kill(target, name);
    } catch {
      // The process or the group is gone already.
    }
  };
  // LocalStack alone is asked: it stops its execution environments itself. A SIGTERM to the whole group ended their
  // inits first, and LocalStack, taking that for a crash of the function under way, then waited for ever on its own
  // gateway during its shutdown.
  signal(pid, 'SIGTERM');
  // The runner ends as soon as LocalStack's runtime returns (host.py's run_then_exit); one whose runtime never
  // returns is killed after the grace.
  const ended = graceMs > 0 && (await waitFor('LocalStack to stop', async () => (processAlive(pid) ? undefined : true), { timeoutMs: graceMs, intervalMs: 100 }).catch(() => false));
  signal(-pid, 'SIGKILL');
  // Gone once reaped: the caller says "nothing of it runs".
  await waitFor('LocalStack to end', async () => (processAlive(pid) ? undefined : true), { timeoutMs: KILLED_GONE_MS, intervalMs: 20 }).catch(() => undefined);
  return !ended;
}

/**
 * Starts LocalStack 4.14.0 in host mode and resolves once its health endpoint answers. `onSpawned` learns its pid
 * as soon as it runs: a start killed before LocalStack answers then leaves a record to stop it by. `signal` (Ctrl-C)
 * ends the start: the LocalStack it was starting is stopped, not left to run on, detached, unasked.
 */
export async function startLocalStackHost(options: {
  stateDir: string;
  port: number;
  detached?: boolean;
  onSpawned?: (pid: number, logFile: string) => Promise<void>;
  signal?: AbortSignal;
}): Promise<RunningLocalStack> {
  const reason = whyLocalStackHostCannotRun();
  if (reason) throw new UsageError(reason);
  if (await portInUse(options.port)) {
    throw new UsageError(`cannot start LocalStack on 127.0.0.1:${options.port}: something listens there already; stop it, or choose another port with BACKUP_KIT_LOCALSTACK_PORT=<port>`);
  }
  await mkdir(options.stateDir, { recursive: true });
  // An earlier run's temporary files (its functions' unpacked code, a copy per version) are nothing to this one: its
  // state was in memory, and nothing else runs on this folder now (the caller holds the start lock, or owns the folder).
  await rm(join(options.stateDir, 'tmp'), { recursive: true, force: true });
  const logFile = join(options.stateDir, 'localstack.log');
  // Appended to, never truncated: a LocalStack still writing there keeps its log.
  const logFd = openSync(logFile, 'a');
  writeSync(logFd, `--- LocalStack (host mode) starting at ${new Date().toISOString()} on port ${options.port} ---\n`);
  const args = [runner, '--port', String(options.port), '--state-dir', options.stateDir];
  if (!options.detached) args.push('--exit-with-parent');
  // Its own process group, so that stopping it takes every process it started.
  const child = spawn(python, args, { cwd: projectRoot, stdio: ['ignore', logFd, logFd], detached: true, env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  closeSync(logFd);
  const pid = child.pid!;
  const readLog = () => readFile(logFile, 'utf8').catch(() => '');
  const endpoint = `http://127.0.0.1:${options.port}`;
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ?? `exit code ${code}`));
  try {
    await options.onSpawned?.(pid, logFile);
    await waitFor(`LocalStack to answer at ${endpoint}`, async () => {
      if (exited) throw new Error(`LocalStack exited before it was ready (${exited})`);
      return (await answersOk(`${endpoint}/_localstack/health`, 1_000)) ? true : undefined;
    }, { timeoutMs: START_TIMEOUT_MS, intervalMs: 250, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    // One that never answered holds nothing to shut down, and in its first second LocalStack 4.14 ignores SIGTERM
    // (its runtime's shutdown fails before its server exists, and marks it stopping): a Ctrl-C then waited the grace.
    await stopGroup(pid, 0);
    if (options.signal?.aborted) throw new Interrupted(`LocalStack (pid ${pid}) was stopped before it answered: nothing of it runs; \`make localstack-host\` starts it again`);
    throw new Error(`${(error as Error).message}; its log (${logFile}):\n${(await readLog()).split('\n').slice(-40).join('\n')}`);
  }
  // What answered may be another LocalStack that took the port between the check above and this one's start (two
  // checkouts starting at once): this one then runs without its port, and both said "started".
  if ((await portHeldByGroup(pid, options.port)) === false) {
    await stopGroup(pid);
    throw new UsageError(`cannot start LocalStack on 127.0.0.1:${options.port}: another server took the port while this one started (another checkout's LocalStack?); stop it, or choose another port with BACKUP_KIT_LOCALSTACK_PORT=<port>`);
  }
  if (options.detached) child.unref();
  return {
    endpoint,
    pid,
    logFile,
    stop: async () => ({ killed: await stopGroup(pid) }),
    log: readLog,
  };
}

type HostRecord = { pid: number; endpoint: string; logFile: string; startedAt: string };

async function readRecord(): Promise<HostRecord | undefined> {
  try {
    return JSON.parse(await readFile(recordFile, 'utf8')) as HostRecord;
  } catch {
    return undefined;
  }
}

/**
 * The host-mode LocalStack `make localstack-host` recorded, read and probed once: it answers (live), its runner
 * runs but does not answer (silent), or it is gone (dead, or its pid now runs something else).
 */
export type LocalStackHostState =
  | { readonly state: 'none' }
  | { readonly state: 'live' | 'silent' | 'gone'; readonly record: HostRecord };

export async function localStackHostState(): Promise<LocalStackHostState> {
  const record = await readRecord();
  if (!record) return { state: 'none' };
  if (!processAlive(record.pid)) return { state: 'gone', record };
  // It answers on its port only if it holds it: another server there is not this checkout's LocalStack.
  if ((await answersOk(`${record.endpoint}/_localstack/health`)) && (await portHeldByGroup(record.pid, Number(new URL(record.endpoint).port))) !== false) {
    return { state: 'live', record };
  }
  return { state: (await runsScript(record.pid, runner)) ? 'silent' : 'gone', record };
}

/** What became of a recorded host-mode LocalStack that no longer answers, with what to do; undefined otherwise. */
export function lostLocalStackHost(host: LocalStackHostState): string | undefined {
  if (host.state === 'none' || host.state === 'live') return undefined;
  const { endpoint, pid, logFile } = host.record;
  return host.state === 'silent'
    ? `the host-mode LocalStack recorded at ${endpoint} (pid ${pid}) runs but does not answer there (or another server holds its port; log: ${logFile}): \`make localstack-host-stop\`, then \`make localstack-host\``
    : `the host-mode LocalStack recorded at ${endpoint} (pid ${pid}) is gone (log: ${logFile}): \`make localstack-host\` starts it again`;
}

/**
 * The pid of this checkout's `make localstack-host` LocalStack when it runs without its record (.localstack/host.json
 * removed while it ran, by `git clean -fdx` say), found by its command line: the runner in the shared state folder.
 */
export async function unrecordedLocalStackHost(): Promise<number | undefined> {
  const runners = await processesRunningScript(runner);
  return runners.find(({ args }) => args[args.indexOf('--state-dir') + 1] === sharedStateDir)?.pid;
}

/** What to do about a LocalStack that runs without its record (unrecordedLocalStackHost). */
export const unrecordedLocalStackHostAdvice = (pid: number) =>
  `this checkout's host-mode LocalStack runs (pid ${pid}) without its record ${recordFile}, removed while it ran: \`make localstack-host-stop\` stops it, then \`make localstack-host\` starts it again`;

/** Runs a start or a stop of the shared host-mode LocalStack once no other start or stop of this checkout runs. */
async function exclusively<T>(log: (line: string) => void, work: () => Promise<T>): Promise<T> {
  await mkdir(stateRoot, { recursive: true });
  const onWait = (holder: number) => log(`another start or stop of host-mode LocalStack (pid ${holder}) is under way: waiting for it`);
  return whileLocked(lockFile, { what: 'start or stop of host-mode LocalStack', timeoutMs: START_TIMEOUT_MS + 2 * STOP_GRACE_MS, onWait }, work);
}

/**
 * Starts the shared host-mode LocalStack in the background (make localstack-host), unless it already answers;
 * `signal` (Ctrl-C) stops a start under way (startLocalStackHost).
 */
export function ensureLocalStackHost(log: (line: string) => void = () => undefined, signal?: AbortSignal): Promise<{ endpoint: string; logFile: string; started: boolean }> {
  return exclusively(log, async () => {
    const host = await localStackHostState();
    if (host.state === 'live') {
      const port = sharedLocalStackHostPort();
      if (new URL(host.record.endpoint).port !== String(port)) {
        throw new UsageError(
          `this checkout's host-mode LocalStack runs on ${host.record.endpoint}, not on port ${port} (BACKUP_KIT_LOCALSTACK_PORT): stop it first (\`make localstack-host-stop\`), or use its port`,
        );
      }
      // Started by another checkout, it may lack a service this one uses: say so now rather than at the deploy.
      await requireLocalStackServices(host.record.endpoint, 'host');
      return { endpoint: host.record.endpoint, logFile: host.record.logFile, started: false };
    }
    if (host.state === 'silent') throw new UsageError(lostLocalStackHost(host)!);
    // Without its record it would hold the port, and the start would be refused a busy port without saying whose.
    const unrecorded = await unrecordedLocalStackHost();
    if (unrecorded !== undefined) throw new UsageError(unrecordedLocalStackHostAdvice(unrecorded));
    const port = sharedLocalStackHostPort();
    // Recorded as soon as it runs, not once it answers: `make localstack-host-stop` finds one whose start was interrupted.
    const record = async (pid: number, logFile: string) => {
      const fresh: HostRecord = { pid, endpoint: `http://127.0.0.1:${port}`, logFile, startedAt: new Date().toISOString() };
      await writeFile(recordFile, JSON.stringify(fresh, null, 2));
    };
    const localstack = await startLocalStackHost({ stateDir: sharedStateDir, port, detached: true, onSpawned: record, ...(signal ? { signal } : {}) }).catch(async (error: unknown) => {
      await rm(recordFile, { force: true });
      throw error;
    });
    return { endpoint: localstack.endpoint, logFile: localstack.logFile, started: true };
  });
}

const stopped = (killed: boolean, which = '') =>
  `stopped LocalStack (host mode${which}) and its function processes${killed ? ` (killed: it had not ended ${STOP_GRACE_MS / 1000} s after SIGTERM)` : ''}`;

/**
 * Stops the shared host-mode LocalStack and everything it started, and says what it did. The recorded pid is
 * signalled only while it runs this checkout's runner (pids are reused: another process is never signalled);
 * a live pid whose command line cannot be read is named instead, and its record kept. Without a record of a live
 * runner, one that runs without its record (unrecordedLocalStackHost) is stopped. A start under way is waited for,
 * then stopped.
 */
export function stopLocalStackHost(log: (line: string) => void = () => undefined): Promise<string> {
  return exclusively(log, async () => {
    const record = await readRecord();
    const recordedAlive = record !== undefined && processAlive(record.pid);
    if (recordedAlive) {
      const ours = await runsScript(record.pid, runner);
      if (ours === undefined) {
        return `the recorded host-mode LocalStack (pid ${record.pid}, ${record.endpoint}) may still run, but its command line cannot be read to make sure it is ours: nothing was signalled; stop it yourself if it is`;
      }
      await rm(recordFile, { force: true });
      if (ours) return stopped(await stopGroup(record.pid));
    } else {
      await rm(recordFile, { force: true });
    }
    const unrecorded = await unrecordedLocalStackHost();
    if (unrecorded !== undefined) return stopped(await stopGroup(unrecorded), `, pid ${unrecorded}, which ran without its record ${recordFile}`);
    return recordedAlive ? `no host-mode LocalStack was running (pid ${record.pid} now runs something else, left alone)` : 'no host-mode LocalStack was running';
  });
}
