import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { answersOk } from './http.js';
import { projectRoot, venvBin } from './paths.js';

const emulatorStateDir = join(projectRoot, '.emulator');
const launcher = join(projectRoot, 'scripts', 'emulator', 'launcher.py');
const recordFile = join(emulatorStateDir, 'emulator.json');
/** Where `make emulator` listens, and where `make deploy` starts one in the background (BACKUP_KIT_EMULATOR_PORT overrides). */
export const sharedEmulatorPort = Number(process.env.BACKUP_KIT_EMULATOR_PORT ?? 4599);
const READY = /^backup-kit emulator ready on (http:\/\/\S+)$/;
const START_TIMEOUT_MS = 60_000;

export type RunningEmulator = {
  readonly endpoint: string;
  readonly pid: number | undefined;
  readonly logFile: string;
  stop(): Promise<void>;
  /** The emulator's log, for printing when something failed. */
  log(): Promise<string>;
};

type StartOptions = {
  /** Where the log and unpacked function code go; one directory per emulator. */
  readonly stateDir: string;
  readonly port?: number;
  /** Keep running after this process exits (make deploy); otherwise it stops with its parent. */
  readonly detached?: boolean;
  readonly env?: Readonly<Record<string, string>>;
};

function pythonBinary(): string {
  const python = join(venvBin, 'python');
  if (!existsSync(python)) {
    throw new Error(`the project's Python virtualenv is missing (${python}): run \`make setup\` first`);
  }
  return python;
}

/** Starts the embedded emulator and resolves once it accepts requests. */
export async function startEmulator(options: StartOptions): Promise<RunningEmulator> {
  await mkdir(options.stateDir, { recursive: true });
  const logFile = join(options.stateDir, 'emulator.log');
  const logFd = openSync(logFile, 'w');
  const args = [launcher, '--port', String(options.port ?? 0), '--state-dir', options.stateDir];
  if (!options.detached) args.push('--exit-with-parent');
  const child = spawn(pythonBinary(), args, {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', logFd],
    detached: options.detached ?? false,
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
      reject(new Error(`the embedded emulator exited before it was ready (${signal ?? `exit code ${code}`}):\n${await readLog()}`));
    });
  });
  if (options.detached) {
    child.stdout?.destroy();
    child.unref();
  }
  return { endpoint, pid: child.pid, logFile, stop: () => stopChild(child), log: readLog };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** What `make emulator-stop` needs to stop the background emulator; it always listens on the shared port. */
type EmulatorRecord = { pid: number; startedAt: string };

async function readRecord(): Promise<EmulatorRecord | undefined> {
  try {
    return JSON.parse(await readFile(recordFile, 'utf8')) as EmulatorRecord;
  } catch {
    return undefined;
  }
}

const isHealthy = (endpoint: string) => answersOk(`${endpoint}/_backup-kit/health`);

/**
 * The endpoint of the shared embedded emulator that `make deploy`, `make matrix` and friends use: the one
 * answering on the shared port (started by `make emulator` or by an earlier script), else a new one
 * started there in the background.
 */
export async function ensureEmbeddedEmulator(options: { start: boolean }): Promise<string> {
  const shared = `http://127.0.0.1:${sharedEmulatorPort}`;
  if (await isHealthy(shared)) return shared;
  if (!options.start) {
    throw new Error('no embedded emulator is running: `make deploy` starts one (or run `make emulator` in another terminal)');
  }
  const emulator = await startEmulator({ stateDir: join(emulatorStateDir, 'shared'), port: sharedEmulatorPort, detached: true });
  await writeFile(recordFile, JSON.stringify({ pid: emulator.pid, startedAt: new Date().toISOString() }, null, 2));
  console.log(`started the embedded emulator on ${emulator.endpoint} (log: ${emulator.logFile}; stop it with \`make emulator-stop\`)`);
  return emulator.endpoint;
}

/** Stops the shared embedded emulator, if one is recorded. */
export async function stopSharedEmulator(): Promise<boolean> {
  const record = await readRecord();
  await rm(recordFile, { force: true });
  if (!record?.pid) return false;
  try {
    process.kill(record.pid, 'SIGTERM');
    return true;
  } catch {
    return false;
  }
}
