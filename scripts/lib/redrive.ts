import type { LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseS3Event } from '../../handler/event.js';
import { errorMessageOf, invokeFunction } from './invoke.js';

/** An event Lambda parked in the failed-events queue after its retries, as its on-failure record tells it. */
export type ParkedEvent = {
  readonly messageId: string;
  readonly receiptHandle: string;
  /** The original event (the record's requestPayload). */
  readonly payload: unknown;
  readonly keys: readonly string[];
  readonly requestId?: string;
  readonly condition?: string;
  readonly attempts?: number;
  readonly lastError?: string;
};

export type Unreadable = { readonly messageId: string; readonly receiptHandle: string; readonly problem: string };

type OnFailureRecord = {
  requestContext?: { requestId?: string; condition?: string; approximateInvokeCount?: number };
  requestPayload?: unknown;
  responsePayload?: { errorType?: string; errorMessage?: string } | string | null;
};

/** Reads one queue message: Lambda's on-failure record, or a bare event (a dead-letter queue holds those). */
export function parseParked(message: Message): ParkedEvent | Unreadable {
  const messageId = message.MessageId ?? '?';
  const receiptHandle = message.ReceiptHandle ?? '';
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    return { messageId, receiptHandle, problem: 'the message is not JSON: it was not parked by Lambda' };
  }
  const record = body as OnFailureRecord;
  const payload = record && typeof record === 'object' && 'requestPayload' in record ? record.requestPayload : body;
  const parsed = parseS3Event(payload);
  if (parsed.records.length === 0 && parsed.ignored.length === 0) {
    return { messageId, receiptHandle, problem: `the parked event holds no S3 record (${parsed.malformed[0]?.reason ?? 'empty'})` };
  }
  const response = record.responsePayload;
  const lastError = typeof response === 'object' && response?.errorMessage ? `${response.errorType ?? 'Error'}: ${response.errorMessage}` : typeof response === 'string' ? response : undefined;
  return {
    messageId,
    receiptHandle,
    payload,
    keys: parsed.records.map((r) => r.key),
    requestId: record.requestContext?.requestId,
    condition: record.requestContext?.condition,
    attempts: record.requestContext?.approximateInvokeCount,
    lastError,
  };
}

export const isUnreadable = (item: ParkedEvent | Unreadable): item is Unreadable => 'problem' in item;

/**
 * Every message in the queue, each received once: each stays invisible to other readers for
 * `visibilitySeconds`, so that one run does not see a message twice.
 */
export async function receiveAll(sqs: SQSClient, queueUrl: string, visibilitySeconds: number): Promise<Message[]> {
  const seen = new Map<string, Message>();
  for (;;) {
    const response = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: visibilitySeconds }));
    const fresh = (response.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (fresh.length === 0) return [...seen.values()];
    for (const message of fresh) seen.set(message.MessageId!, message);
  }
}

/** Makes messages visible again at once (after a dry run, or for the ones that failed again). */
export async function release(sqs: SQSClient, queueUrl: string, receiptHandles: readonly string[]): Promise<void> {
  for (let i = 0; i < receiptHandles.length; i += 10) {
    const batch = receiptHandles.slice(i, i + 10).map((ReceiptHandle, n) => ({ Id: String(n), ReceiptHandle, VisibilityTimeout: 0 }));
    await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: batch }));
  }
}

export type Redriven = { readonly event: ParkedEvent; readonly outcomes?: unknown; readonly error?: string };

/** Re-invokes the function with one parked event; deletes its message only after the function succeeded. */
export async function redriveOne(sqs: SQSClient, lambda: LambdaClient, queueUrl: string, functionName: string, event: ParkedEvent): Promise<Redriven> {
  try {
    const invocation = await invokeFunction(lambda, functionName, event.payload);
    if (invocation.functionError) return { event, error: errorMessageOf(invocation) };
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: event.receiptHandle }));
    return { event, outcomes: (invocation.payload as { outcomes?: unknown } | undefined)?.outcomes };
  } catch (error) {
    return { event, error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** A dry run only pages through the queue; the messages come back at once afterwards. */
export const LISTING_VISIBILITY_SECONDS = 30;

/** How long a message stays hidden while its event runs again: as long as the function may take, and a minute. */
export function redriveVisibilitySeconds(parameters: Readonly<Record<string, string>>): number {
  return Number(parameters.FunctionTimeoutSeconds ?? 300) + 60;
}

export type QueueRedrive = {
  readonly messages: number;
  readonly parked: readonly ParkedEvent[];
  readonly unreadable: readonly Unreadable[];
  /** One per parked event that was chosen and re-invoked (none on a dry run). */
  readonly results: readonly Redriven[];
};

export type QueueRedriveOptions = {
  readonly queueUrl: string;
  readonly functionName: string;
  readonly visibilitySeconds: number;
  /** List only: every message is made visible again, nothing is re-invoked or deleted. */
  readonly dryRun?: boolean;
  /** Which parked events to re-invoke (all by default); the others are made visible again untouched. */
  readonly choose?: (event: ParkedEvent) => boolean;
  readonly onRedriven?: (done: number, of: number) => void;
};

/**
 * The redrive of a queue: receives every message once, re-invokes the chosen parked events one by one (each
 * message deleted only after its event succeeded), and makes every other message visible again — the ones that
 * failed again, the unreadable ones and the ones not chosen.
 */
export async function redriveQueue(sqs: SQSClient, lambda: LambdaClient, options: QueueRedriveOptions): Promise<QueueRedrive> {
  const messages = await receiveAll(sqs, options.queueUrl, options.visibilitySeconds);
  const items = messages.map(parseParked);
  const unreadable = items.filter(isUnreadable);
  const parked = items.filter((item): item is ParkedEvent => !isUnreadable(item));
  if (options.dryRun) {
    await release(sqs, options.queueUrl, messages.map((m) => m.ReceiptHandle ?? ''));
    return { messages: messages.length, parked, unreadable, results: [] };
  }
  const chosen = parked.filter((event) => options.choose?.(event) ?? true);
  const results: Redriven[] = [];
  for (const event of chosen) {
    results.push(await redriveOne(sqs, lambda, options.queueUrl, options.functionName, event));
    options.onRedriven?.(results.length, chosen.length);
  }
  const left = [
    ...results.filter((r) => r.error).map((r) => r.event.receiptHandle),
    ...parked.filter((event) => !chosen.includes(event)).map((event) => event.receiptHandle),
    ...unreadable.map((u) => u.receiptHandle),
  ];
  await release(sqs, options.queueUrl, left);
  return { messages: messages.length, parked, unreadable, results };
}
