import { rm } from 'node:fs/promises';
import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { clientsFor, type Clients } from '../lib/clients.js';
import { deploy } from '../lib/deployment.js';
import { startEmulator } from '../lib/emulator.js';
import type { StackOutputs } from '../lib/outputs.js';
import { localStackHostState } from '../lib/localstack-host.js';
import { embeddedTarget, localstackModeOf, LocalStackMode, resolveTarget, TargetName, type Target } from '../lib/targets.js';
import { scratchDir } from './scratch-dirs.js';
import { functionCopy, type UnpackedFunction } from './unpacked-function.js';

/** The user agent mark of the direct client whose calls are the floors. */
export const FLOOR_AGENT = 'backup-kit-bench-floor';

export type BenchContext = {
  readonly target: Target;
  /** The bench's own client: uploads into the inbox and watches the backups. */
  readonly clients: Clients;
  /** The direct client that does by hand what the function does: the floors. */
  readonly floor: Clients;
  readonly outputs: StackOutputs;
  /** A versioned bucket outside the pipeline: the floors' sources, so that they trigger no function. */
  readonly scratchBucket: string;
  /** Keys of this run start with it, so that runs on a long-lived target do not meet. */
  readonly prefix: string;
  /** The embedded emulator's endpoint (its request log); absent elsewhere. Its process is the server below. */
  readonly emulator?: { readonly endpoint: string };
  /**
   * The process that serves the target on this machine, with the functions it runs below it, and how the report
   * names it in a sentence and at the start of a figure: the embedded emulator, or the host-mode LocalStack `make
   * localstack-host` started. Absent for a LocalStack in Docker (or one the kit did not start), whose processes the
   * bench does not know.
   */
  readonly server?: { readonly pid: number; readonly name: string; readonly title: string };
  readonly quick: boolean;
  /** The deployed zip unpacked to run outside any Lambda runtime: one copy for the run, made on first use. */
  unpackedFunction(): Promise<UnpackedFunction>;
};

/** The bench uploads a 1 GiB object and a thousand files: never on AWS. */
export type BenchTargetName = Exclude<TargetName, typeof TargetName.aws>;

export type PreparedBench = {
  readonly context: BenchContext;
  /** How long the private emulator took to answer (embedded only) and the stack to deploy, in ms. */
  readonly setup: { readonly emulatorStartMs?: number; readonly deployMs: number };
  close(): Promise<void>;
};

/** The host-mode LocalStack that `make localstack-host` started and recorded, when it is the one the target names. */
async function localStackHostProcess(target: Target): Promise<BenchContext['server']> {
  if (target.name !== TargetName.localstack || localstackModeOf(target) !== LocalStackMode.host) return undefined;
  const host = await localStackHostState();
  return host.state === 'live' && host.record.endpoint === target.endpoint ? { pid: host.record.pid, name: 'LocalStack', title: 'LocalStack' } : undefined;
}

/**
 * Deploys the bench's own stack (NamePrefix kit-bench) on the target. On embedded the bench starts a private
 * emulator for it, so that its request log and memory belong to this run alone; on localstack it uses the
 * running LocalStack that the kit resolves.
 */
export async function prepareBench(name: BenchTargetName, quick: boolean, log: (line: string) => void): Promise<PreparedBench> {
  let target: Target;
  let stopEmulator = async () => undefined;
  let emulatorStartMs: number | undefined;
  let server: BenchContext['server'];
  let requestLog: BenchContext['emulator'];
  if (name === TargetName.embedded) {
    const stateDir = await scratchDir('emulator');
    const starting = performance.now();
    const emulator = await startEmulator({ stateDir, ownProcessGroup: true }).catch(async (error: unknown) => {
      await rm(stateDir, { recursive: true, force: true });
      throw error;
    });
    emulatorStartMs = performance.now() - starting;
    if (emulator.pid === undefined) throw new Error(`the embedded emulator on ${emulator.endpoint} has no process id`);
    requestLog = { endpoint: emulator.endpoint };
    server = { pid: emulator.pid, name: 'the emulator', title: 'emulator' };
    target = embeddedTarget(emulator.endpoint);
    stopEmulator = async () => {
      await emulator.stop();
      await rm(stateDir, { recursive: true, force: true });
    };
    log(`started a private embedded emulator on ${emulator.endpoint}`);
  } else {
    target = await resolveTarget(name, { checkReachable: true });
  }
  try {
    const deploying = performance.now();
    const deployment = await deploy(target, { overrides: { NamePrefix: 'kit-bench' }, log: () => undefined });
    const deployMs = performance.now() - deploying;
    log(`stack ${deployment.stackName} on ${target.name}: ${deployment.action}`);
    const clients = clientsFor(target);
    const code = functionCopy(clients.lambda, target, deployment.outputs.BackupFunctionName);
    const scratchBucket = 'kit-bench-floor';
    await clients.s3.send(new CreateBucketCommand({ Bucket: scratchBucket })).catch((error: Error) => {
      if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
    });
    await clients.s3.send(new PutBucketVersioningCommand({ Bucket: scratchBucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const context: BenchContext = {
      target,
      clients,
      floor: clientsFor(target, { userAgent: FLOOR_AGENT }),
      outputs: deployment.outputs,
      scratchBucket,
      prefix: `bench/${new Date().toISOString().replace(/[:.]/g, '-')}/`,
      emulator: requestLog,
      server: server ?? (await localStackHostProcess(target)),
      quick,
      unpackedFunction: () => code.unpacked(),
    };
    const close = async () => {
      await code.remove();
      await stopEmulator();
    };
    return { context, setup: { ...(emulatorStartMs !== undefined ? { emulatorStartMs } : {}), deployMs }, close };
  } catch (error) {
    await stopEmulator();
    throw error;
  }
}
