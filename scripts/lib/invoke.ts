import { GetFunctionConfigurationCommand, InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { Outcome, RETRY_PROMISE } from '../../handler/outcome.js';

export type Invocation = {
  readonly functionError?: string;
  readonly payload: unknown;
  /** The invocation's request id, as its log tail names it (asked for with `logTail`). */
  readonly requestId?: string;
};

/** Lambda's longest function timeout: what an Invoke may take when the function's own cannot be read. */
const LONGEST_FUNCTION_TIMEOUT_S = 900;
/** How long past the function's timeout its answer may take to come back. */
const ANSWER_MARGIN_MS = 60_000;

export type InvokeOptions = {
  /** Ask for the invocation's request id (see invokeFunction). */
  readonly logTail?: boolean;
  /** How long past the function's own timeout the answer may take (a minute). */
  readonly answerMarginMs?: number;
};

/** The function's timeout, read before each Invoke (a deploy may have changed it since the last). */
async function functionTimeoutSeconds(lambda: LambdaClient, functionName: string): Promise<number> {
  try {
    const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    return configuration?.Timeout ?? LONGEST_FUNCTION_TIMEOUT_S;
  } catch (error) {
    // A silent target ends the Invoke as it ends any read; a refused read (no lambda:GetFunctionConfiguration) does not.
    if ((error as Error).name === 'TimeoutError') throw error;
    return LONGEST_FUNCTION_TIMEOUT_S;
  }
}

/**
 * Invokes the function synchronously with an event and decodes its answer (a function error included). With `logTail`,
 * the answer names the invocation's request id, read from the last 4 KB of its log that Lambda returns: the Invoke's
 * own request id is the invocation's on AWS, but not on the embedded emulator.
 *
 * The Invoke waits as long as the function may run and a minute more in all (the client's other requests keep their
 * short limit), with no second attempt after no answer: that would run the function again, and the SDK's three
 * attempts kept a redrive or a repair in front of a silent target for three times the longest timeout. Without an
 * answer by then it fails with a TimeoutError, which the scripts report as a target that stopped answering. (The
 * SDK still repeats an Invoke whose connection was reset or that got a 5xx: the repeat finds the copy made and skips it.)
 */
export async function invokeFunction(lambda: LambdaClient, functionName: string, event: unknown, { logTail = false, answerMarginMs = ANSWER_MARGIN_MS }: InvokeOptions = {}): Promise<Invocation> {
  const limitMs = (await functionTimeoutSeconds(lambda, functionName)) * 1_000 + answerMarginMs;
  const deadline = AbortSignal.timeout(limitMs);
  let response;
  try {
    response = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(event), ...(logTail ? { LogType: 'Tail' as const } : {}) }), {
      // The deadline ends it first; the SDK's own limit stays beyond, so that it never starts a second attempt.
      requestTimeout: limitMs + 10_000,
      abortSignal: deadline,
    });
  } catch (error) {
    if (!deadline.aborted) throw error;
    throw Object.assign(new Error(`the Invoke of ${functionName} got no answer within ${limitMs / 1_000} s (the function's timeout and ${answerMarginMs / 1_000} s more)`), { name: 'TimeoutError' });
  }
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

/**
 * The function's error without its promise that the event will be retried (RETRY_PROMISE), which holds for an upload's
 * event, retried by Lambda, and not for a script's own invocation: the script says what becomes of it instead.
 */
export function withoutRetryPromise(message: string): string {
  return message.replaceAll(` and ${RETRY_PROMISE}: `, ': ').replaceAll(`: the event ${RETRY_PROMISE}`, '');
}

/** The error message of a function error's payload, or the payload itself. */
export function errorMessageOf(invocation: Invocation): string {
  const payload = invocation.payload as { errorType?: string; errorMessage?: string } | undefined;
  return payload?.errorMessage ? `${payload.errorType ?? 'Error'}: ${payload.errorMessage}` : JSON.stringify(invocation.payload);
}
