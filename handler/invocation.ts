import type { Invocation } from './backup.js';
import type { ObjectCreated } from './event.js';

/**
 * The field naming the request an invocation continues: `make redrive` adds the request whose attempts parked the
 * event, `make reconcile FIX=1` a repair's own, which its one retry names again.
 */
export const REDRIVE_OF_FIELD = 'backupKitRedriveOf';

/**
 * The request an event belongs to. Lambda keeps one request id across the retries of an asynchronous event; a
 * redrive or a repair's retry is a new invocation, so it names the request it continues, and a copy that request
 * made is recognised as this request's own (its receipt is sent, in case it never went out).
 */
export function invocationOf(event: unknown, awsRequestId: string): Invocation {
  const redriveOf = typeof event === 'object' && event !== null ? (event as Record<string, unknown>)[REDRIVE_OF_FIELD] : undefined;
  return { requestId: typeof redriveOf === 'string' && redriveOf !== '' ? redriveOf : awsRequestId };
}

/**
 * The request a record's copy is recorded under (its provenance's backup-request-id), by which a retry knows a copy
 * as its own: the SQS message that carried the record, which SQS delivers again as a new Lambda request; else the
 * invocation's request.
 */
export function requestOf(record: ObjectCreated, invocation: Invocation): string {
  return record.sqsMessageId ? `sqs:${record.sqsMessageId}` : invocation.requestId;
}
