import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { Outcome } from '../../handler/outcome.js';

export type Invocation = {
  readonly functionError?: string;
  readonly payload: unknown;
  /** The invocation's request id, as its log tail names it (asked for with `logTail`). */
  readonly requestId?: string;
};

/**
 * Lambda's longest function timeout, and a minute for the answer to come back: a synchronous Invoke's limit, set on
 * the Invoke alone (the client's other requests keep the short limit, so that a silent target ends them).
 */
const LONGEST_INVOKE_MS = 960_000;

/**
 * Invokes the function synchronously with an event and decodes its answer (a function error included). With `logTail`,
 * the answer names the invocation's request id, read from the last 4 KB of its log that Lambda returns: the Invoke's
 * own request id is the invocation's on AWS, but not on the embedded emulator.
 */
export async function invokeFunction(lambda: LambdaClient, functionName: string, event: unknown, { logTail = false } = {}): Promise<Invocation> {
  const response = await lambda.send(
    new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(event), ...(logTail ? { LogType: 'Tail' as const } : {}) }),
    { requestTimeout: LONGEST_INVOKE_MS },
  );
  const text = new TextDecoder().decode(response.Payload ?? new Uint8Array());
  let payload: unknown = text;
  try {
    payload = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text.
  }
  if (!logTail) return { functionError: response.FunctionError, payload };
  const tail = Buffer.from(response.LogResult ?? '', 'base64').toString();
  const requestId = /^(?:START|END|REPORT) RequestId: (\S+)/m.exec(tail)?.[1] ?? response.$metadata.requestId;
  return { functionError: response.FunctionError, payload, requestId };
}

/**
 * Whether the function's answer names an inbox version it found archived (`source_archived`), which S3 copies only after
 * a restore: a redrive or a repair of it must wait for that restore.
 */
export function answerFoundArchived(invocation: Invocation): boolean {
  const outcomes = (invocation.payload as { outcomes?: unknown } | undefined)?.outcomes;
  return Array.isArray(outcomes) && outcomes.includes(Outcome.sourceArchived);
}

/** The error message of a function error's payload, or the payload itself. */
export function errorMessageOf(invocation: Invocation): string {
  const payload = invocation.payload as { errorType?: string; errorMessage?: string } | undefined;
  return payload?.errorMessage ? `${payload.errorType ?? 'Error'}: ${payload.errorMessage}` : JSON.stringify(invocation.payload);
}
