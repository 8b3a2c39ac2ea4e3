import { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { PutObjectCommand, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { functionLogLines, functionLogSince, invocationLines, logEvents, notBackedUpAdvice, waitForBackupOf, type FunctionLogLine } from '../lib/observe.js';
import { waitFor, WaitTimeout } from '../lib/wait.js';
import { isTransient } from '../../handler/errors.js';
import type { MatrixContext } from './types.js';
import { invokeFunction, type Invocation } from '../lib/invoke.js';

/** Uploads into the inbox and returns the new version id. */
export async function upload(context: MatrixContext, key: string, body: PutObjectCommandInput['Body'], extra: Partial<PutObjectCommandInput> = {}): Promise<string> {
  const put = await context.clients.s3.send(new PutObjectCommand({ Bucket: context.outputs.InboxBucketName, Key: key, Body: body, ...extra }));
  if (!put.VersionId) throw new Error(`the inbox returned no version id for ${key}: is it versioned?`);
  return put.VersionId;
}

/**
 * The backup of an upload just made, once it holds that version. A backup that does not come in time fails the case
 * with what the function's log tells of it (its event never reached the function, or the function failed on it), as
 * `make seed` says, where the case said only that the wait timed out.
 */
export async function backupOf(context: MatrixContext, key: string, sourceVersionId: string) {
  // A second before the call: the upload's answer and its event's invocation may arrive in either order.
  const uploaded = Date.now() - 1_000;
  try {
    return await waitForBackupOf(context.clients.s3, context.outputs.BackupBucketName, key, sourceVersionId, context.patienceMs);
  } catch (error) {
    if (!(error instanceof WaitTimeout) || error.unanswered) throw error;
    const log = await functionLogSince(context.clients.logs, context.outputs.LogGroupName, uploaded).catch(() => undefined);
    throw new WaitTimeout(`${error.message}: ${notBackedUpAdvice(key, log)}`);
  }
}

/** How long the probe goes on listening after a key's receipt: one more arriving meanwhile is a receipt sent twice. */
export const SECOND_RECEIPT_QUIET_MS = 5_000;

/** The message ids of every receipt of a key, once the probe has heard no new one of that key for SECOND_RECEIPT_QUIET_MS. */
export async function settledReceipts(context: MatrixContext, key: string): Promise<string[]> {
  return (await context.probe.receiptsFor(key, SECOND_RECEIPT_QUIET_MS)).map((receipt) => receipt.MessageId);
}

/**
 * Waits until the lines `read` gives hold one that matches; undefined when none appeared in time. A log group not
 * there yet is waited for, and so is a read that may pass; a log that cannot be read (access denied, reads that
 * failed to the end) fails with its own reason, which "no such line" would have blamed on the function.
 */
async function awaitedLine(
  context: MatrixContext,
  what: string,
  read: () => Promise<readonly FunctionLogLine[] | undefined>,
  matches: (line: FunctionLogLine) => boolean,
  timeoutMs = context.patienceMs,
): Promise<FunctionLogLine | undefined> {
  // A read that may pass (throttled, a 5xx) is tried again; if every read to the end failed so, that is the answer.
  let lastFailure: unknown;
  const found = async () => {
    try {
      const line = (await read())?.find(matches);
      lastFailure = undefined;
      return line;
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      if (!isTransient(error)) throw error;
      lastFailure = error;
      return undefined;
    }
  };
  try {
    return await waitFor(what, found, { timeoutMs, intervalMs: context.target.endpoint ? 250 : 2_000 });
  } catch (error) {
    if (error instanceof WaitTimeout && !error.unanswered) {
      if (lastFailure !== undefined) throw lastFailure;
      return undefined;
    }
    throw error;
  }
}

/** Waits until the function has logged a line that matches; undefined when none appeared in time. */
export function loggedLine(context: MatrixContext, since: number, matches: (line: FunctionLogLine) => boolean, timeoutMs?: number): Promise<FunctionLogLine | undefined> {
  return awaitedLine(context, 'a matching log line', () => functionLogLines(context.clients.logs, context.outputs.LogGroupName, since - 5_000), matches, timeoutMs);
}

/** Waits until one invocation (its init included) has logged a line that matches; undefined when none appeared in time. */
export function invocationLoggedLine(context: MatrixContext, since: number, requestId: string, matches: (line: FunctionLogLine) => boolean): Promise<FunctionLogLine | undefined> {
  const read = async () => invocationLines(await logEvents(context.clients.logs, context.outputs.LogGroupName, since - 5_000), requestId);
  return awaitedLine(context, `a matching log line of invocation ${requestId}`, read, matches);
}

/** Changes the function's environment and waits until Lambda applied it and can take events again. Returns the previous variables. */
export async function setEnvironment(
  context: MatrixContext,
  change: (variables: Record<string, string>) => Record<string, string>,
): Promise<Record<string, string>> {
  const FunctionName = context.outputs.BackupFunctionName;
  const { lambda } = context.clients;
  const before = { ...(await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }))).Environment?.Variables };
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables: change({ ...before }) } }));
  try {
    const applied = await waitFor(
      `${FunctionName} to apply its new configuration`,
      async () => {
        const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }));
        return config.LastUpdateStatus === 'InProgress' ? undefined : config;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    if (applied.LastUpdateStatus === 'Failed') throw new Error(`${FunctionName} did not apply its new configuration: ${applied.LastUpdateStatusReason ?? 'no reason given'}`);
  } catch (error) {
    // The change may be in place although it was not seen applied: the caller, with no previous variables to
    // restore, could not set it back, and the next run would meet it as drift.
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables: before } })).catch((restore: Error) => {
      throw new Error(`${(error as Error).message}; its previous environment could not be put back either (${restore.message}): \`make deploy\` names what differs`);
    });
    throw error;
  }
  // Events sent while the target still swaps its event poller would be lost (LocalStack).
  await sleep(context.target.capabilities.settleAfterConfigChangeMs);
  return before;
}

/** Invokes the stack's function synchronously with an event (scripts/lib/invoke.ts). */
export function invokeSync(context: MatrixContext, event: object, options: { logTail?: boolean } = {}): Promise<Invocation> {
  return invokeFunction(context.clients.lambda, context.outputs.BackupFunctionName, event, options);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
