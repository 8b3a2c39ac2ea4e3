import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { randomBytes } from 'node:crypto';
import { emptyBucket } from '../lib/buckets.js';
import { messageOf, stoppedAnswering } from '../lib/cli.js';
import type { Clients } from '../lib/clients.js';
import type { DeployedStack } from '../lib/deployed-stack.js';
import { identifyAccount } from '../lib/identity.js';
import { createReceiptProbe } from '../lib/receipt-probe.js';
import type { Target } from '../lib/targets.js';
import { happyPath } from './cases/1-happy-path.js';
import { duplicateEvent } from './cases/2-duplicate-event.js';
import { largeObject } from './cases/3-large-object.js';
import { versionedRewrite } from './cases/4-versioned-rewrite.js';
import { permissionError } from './cases/5-permission-error.js';
import { encryption } from './cases/6-encryption.js';
import { errorVisibility } from './cases/7-error-visibility.js';
import { audit } from './cases/8-audit.js';
import { LEFTOVER_AGE_HOURS, LEFTOVER_AGE_MS, probeQueueName, removeLeftovers, runFolderOf } from './leftovers.js';
import { CaseOutcome, fail, type CaseResult, type MatrixCase, type NotRunCase } from './types.js';

export const matrixCases: readonly MatrixCase[] = [
  happyPath,
  duplicateEvent,
  largeObject,
  versionedRewrite,
  permissionError,
  encryption,
  errorVisibility,
  audit,
];

/** How many results have each outcome, every outcome named. */
export const countOutcomes = (results: readonly CaseResult[]) =>
  Object.fromEntries(Object.values(CaseOutcome).map((o) => [o, results.filter((r) => r.outcome === o).length])) as Record<CaseOutcome, number>;

export type MatrixReport = {
  readonly target: string;
  /** What answered as the target (LocalStack in host mode or in Docker, for example). */
  readonly targetDescription: string;
  readonly stackName: string;
  /**
   * The sha256 (hex) of the code the function ran, as Lambda reports it (CodeSha256, which a deploy proves equal to
   * dist/handler.zip's): two reports compare behaviour only when they tested the same build. Absent in reports
   * written before it was stored.
   */
  readonly artefactSha256?: string;
  readonly prefix: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly counts: Record<CaseOutcome, number>;
  readonly results: CaseResult[];
  /** The cases of the matrix this run did not run (absent when it ran them all). */
  readonly notRun?: readonly NotRunCase[];
  /** The target stopped answering during this case, and the run ended there (absent when it answered throughout). */
  readonly targetStopped?: TargetStopped;
};

/** The case during which the target stopped answering, and the error with the kit's hint (is its emulator still running?). */
export type TargetStopped = { readonly caseId: number; readonly problem: string };

/**
 * The cases of the matrix without a result: those `only` left out, and those a stopped run did not get to, for the
 * reason given (a Ctrl-C unless said otherwise).
 */
export function notRunCases(only: readonly number[] | undefined, results: readonly CaseResult[], stoppedBecause = 'the run was stopped (Ctrl-C) before it'): NotRunCase[] {
  return matrixCases
    .filter((matrixCase) => !results.some((result) => result.id === matrixCase.id))
    .map(({ id, name }) => ({ id, name, why: only && !only.includes(id) ? 'left out by CASE=' : stoppedBecause }));
}

export type MatrixRun = {
  readonly target: Target;
  readonly clients: Clients;
  readonly stack: DeployedStack;
  readonly only?: readonly number[];
  readonly log?: (line: string) => void;
  readonly onResult?: (result: CaseResult) => void;
  /** Once aborted, no further case starts; the running one ends (putting back what it changed) and the run cleans up. */
  readonly signal?: AbortSignal;
};

/** Runs the cases one after another (cases 5 and 7 change the function's configuration and restore it). */
export async function runMatrix(run: MatrixRun): Promise<MatrixReport> {
  const log = run.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const suffix = randomBytes(3).toString('hex');
  const prefix = runFolderOf(new Date(started), suffix);
  const identity = await identifyAccount(run.target, run.clients);
  const { stackName, outputs, parameters } = run.stack;
  const { CodeSha256 } = await run.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: outputs.BackupFunctionName }));
  const leftovers = await removeLeftovers(run.clients, { topicArn: outputs.ReceiptTopicArn, buckets: [outputs.InboxBucketName, outputs.BackupBucketName] }, LEFTOVER_AGE_MS);
  if (leftovers.removed.length > 0) log(`removed what earlier runs stopped at once left behind: ${leftovers.removed.join(', ')}`);
  for (const problem of leftovers.failed) log(`note: could not remove what an earlier run stopped at once left behind, ${problem}: remove it by hand, or let a later run try again`);
  const probe = await createReceiptProbe(run.clients, outputs.ReceiptTopicArn, probeQueueName(outputs.ReceiptTopicArn, `${suffix}-${started % 100000}`));
  const context = {
    target: run.target,
    clients: run.clients,
    outputs,
    parameters,
    prefix,
    probe,
    accountId: identity.Account ?? '',
    // A Lambda container can take minutes to start cold; the emulator's Node processes take a second.
    patienceMs: run.target.capabilities.lambdaInContainers ? 180_000 : 30_000,
    log,
    signal: run.signal,
  };
  const results: CaseResult[] = [];
  let targetStopped: TargetStopped | undefined;
  try {
    for (const matrixCase of matrixCases.filter((c) => !run.only || run.only.includes(c.id))) {
      if (run.signal?.aborted) break;
      const caseStarted = Date.now();
      const verdict = await matrixCase.run(context).catch((error: Error) => {
        // A target that stopped answering would fail every case after for that reason alone: the run ends there, the
        // cases not reached named as such, instead of reporting the pipeline failed in each.
        const hint = stoppedAnswering(error, run.target.name);
        if (!hint) return fail(`${error.name}: ${error.message}`);
        targetStopped = { caseId: matrixCase.id, problem: `${messageOf(error)}: the target stopped answering; ${hint}` };
        return undefined;
      });
      if (!verdict) break;
      const result = { id: matrixCase.id, name: matrixCase.name, ...verdict, durationMs: Date.now() - caseStarted };
      results.push(result);
      run.onResult?.(result);
    }
  } finally {
    if (targetStopped) {
      // Each request to a silent target waits out the SDK's time limit: a later run removes what this one leaves.
      log(`this run's receipt queue and files stay on the target, which stopped answering: a matrix run on it ${LEFTOVER_AGE_HOURS} hours later or more removes them`);
    } else {
      await probe.dispose();
      // The run's files are test data: remove them from both buckets, every version.
      for (const bucket of [outputs.InboxBucketName, outputs.BackupBucketName]) {
        await emptyBucket(run.clients.s3, bucket, prefix).catch((error: Error) => log(`could not remove s3://${bucket}/${prefix}: ${error.message}`));
      }
    }
  }
  const counts = countOutcomes(results);
  const notRun = notRunCases(run.only, results, targetStopped && `the target stopped answering during case ${targetStopped.caseId}`);
  return {
    target: run.target.name,
    targetDescription: run.target.description,
    stackName,
    ...(CodeSha256 ? { artefactSha256: Buffer.from(CodeSha256, 'base64').toString('hex') } : {}),
    prefix,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    counts,
    results,
    ...(notRun.length > 0 ? { notRun } : {}),
    ...(targetStopped ? { targetStopped } : {}),
  };
}
