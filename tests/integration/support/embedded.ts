import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, onTestFailed } from 'vitest';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, type FunctionConfiguration, type Runtime } from '@aws-sdk/client-lambda';
import { clientsFor, type Clients } from '../../../scripts/lib/clients.js';
import { deploy, type Deployment } from '../../../scripts/lib/deployment.js';
import { startEmulator, type RunningEmulator } from '../../../scripts/lib/emulator.js';
import type { Parameters } from '../../../scripts/lib/parameters.js';
import { embeddedTarget, type Target } from '../../../scripts/lib/targets.js';
import { waitFor } from '../../../scripts/lib/wait.js';
import { zipOfFiles } from './zip.js';

export type EmbeddedStack = {
  readonly emulator: RunningEmulator;
  readonly target: Target;
  readonly deployment: Deployment;
  readonly lines: string[];
};

export type EmbeddedStackOptions = { readonly namePrefix: string; readonly env?: Record<string, string>; readonly parameters?: Parameters };

/** Starts a private emulator on a free port and deploys the real template and artefact into it. */
export async function startEmbeddedStack(options: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const stateDir = await mkdtemp(join(tmpdir(), 'backup-kit-it-'));
  const emulator = await startEmulator({ stateDir, env: { KIT_EMULATOR_RETRY_DELAYS: '0.2,0.2', ...options.env } });
  const target = embeddedTarget(emulator.endpoint);
  const lines: string[] = [];
  try {
    const deployment = await deploy(target, { overrides: { ...options.parameters, NamePrefix: options.namePrefix }, log: (line) => lines.push(line) });
    return { emulator, target, deployment, lines };
  } catch (error) {
    console.error(lines.join('\n'), `\n--- emulator log ---\n${await emulator.log()}`);
    await emulator.stop();
    throw error;
  }
}

/**
 * One private embedded stack for a test file: started before its tests, stopped after them, its emulator's log
 * printed when a test fails. Returns the stack, or throws when it did not start.
 */
export function useEmbeddedStack(options: EmbeddedStackOptions): () => EmbeddedStack {
  let stack: EmbeddedStack | undefined;
  beforeAll(async () => {
    stack = await startEmbeddedStack(options);
  });
  afterAll(async () => {
    await stack?.emulator.stop();
  });
  beforeEach(() => printEmulatorLogOnFailure(() => stack));
  return () => {
    if (!stack) throw new Error('the emulator did not start');
    return stack;
  };
}

export type PrivateEmulator = { readonly emulator: RunningEmulator; readonly target: Target; readonly clients: Clients };

/**
 * One private emulator for a test file, without a stack: started before its tests, `prepare` run on it (buckets,
 * objects, the file's own clients), stopped and its state removed after them.
 */
export function usePrivateEmulator(prepare: (running: PrivateEmulator) => Promise<void> = async () => undefined): () => PrivateEmulator {
  let running: PrivateEmulator | undefined;
  let stateDir: string | undefined;
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'backup-kit-emulator-it-'));
    const emulator = await startEmulator({ stateDir });
    const target = embeddedTarget(emulator.endpoint);
    running = { emulator, target, clients: clientsFor(target) };
    await prepare(running);
  });
  afterAll(async () => {
    await running?.emulator.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });
  return () => {
    if (!running) throw new Error('the emulator did not start');
    return running;
  };
}

/** Prints the emulator's log when the current test fails, so that the failure can be read without a rerun. */
export function printEmulatorLogOnFailure(stack: () => EmbeddedStack | undefined): void {
  onTestFailed(async () => {
    const log = await stack()?.emulator.log();
    if (log) console.error(`--- emulator log (last 120 lines) ---\n${log.split('\n').slice(-120).join('\n')}`);
  });
}

/** Resolves once the emulator has no asynchronous event queued or running (invocations have written their logs). */
export async function emulatorQuiet(emulator: RunningEmulator, timeoutMs = 30_000): Promise<void> {
  await waitFor('the emulator to process every event', async () => {
    const health = (await (await fetch(`${emulator.endpoint}/_backup-kit/health`)).json()) as { pendingAsyncEvents: number };
    return health.pendingAsyncEvents === 0 ? true : undefined;
  }, { timeoutMs, intervalMs: 100 });
}

/** Sets (PUT), reads (GET) or clears (DELETE) an emulator's fault injection; answers its settings and counts. */
export async function emulatorFaults(emulator: { readonly endpoint: string }, method: 'PUT' | 'GET' | 'DELETE', settings?: object): Promise<{ counts: Record<string, number> }> {
  const response = await fetch(`${emulator.endpoint}/_backup-kit/faults`, { method, ...(settings ? { body: JSON.stringify(settings) } : {}) });
  if (!response.ok) throw new Error(`the emulator refused ${method} /_backup-kit/faults: ${response.status} ${await response.text()}`);
  return (await response.json()) as { counts: Record<string, number> };
}

export type TestFunctionOptions = {
  readonly handler?: string;
  readonly timeout?: number;
  readonly memory?: number;
  readonly runtime?: Runtime;
  readonly variables?: Record<string, string>;
  /** The execution role's ARN; the stack function's role by default. */
  readonly role?: string;
  /** Unix modes of files in the zip, by path. */
  readonly modes?: Record<string, number>;
};

/** Creates a function of these files (path in the zip → source) next to a stack's, with its role unless told; answers its configuration. */
export async function createTestFunction(stack: EmbeddedStack, FunctionName: string, files: Record<string, string>, options: TestFunctionOptions = {}): Promise<FunctionConfiguration> {
  const { lambda } = stack.deployment.clients;
  const Role = options.role ?? (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: stack.deployment.outputs.BackupFunctionName }))).Role;
  return lambda.send(
    new CreateFunctionCommand({
      FunctionName,
      Runtime: options.runtime ?? 'nodejs22.x',
      Handler: options.handler ?? 'index.handler',
      Role,
      Code: { ZipFile: await zipOfFiles(files, options.modes) },
      Timeout: options.timeout ?? 3,
      ...(options.memory ? { MemorySize: options.memory } : {}),
      ...(options.variables ? { Environment: { Variables: options.variables } } : {}),
    }),
  );
}
