import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { clientsFor } from '../../../scripts/lib/clients.js';
import type { StackOutputs } from '../../../scripts/lib/outputs.js';
import { embeddedTarget, type Capabilities, type Target } from '../../../scripts/lib/targets.js';
import type { MatrixContext } from '../../../scripts/matrix/types.js';
import { BACKUP, INBOX } from './fixtures.js';

export const FUNCTION_NAME = 'kit-backup';
export const LOG_GROUP = `/aws/lambda/${FUNCTION_NAME}`;

/**
 * A matrix run's context for one case, on a target with the capabilities given (no waits after a configuration
 * change unless asked). No request leaves: the tests mock the clients.
 */
export function matrixContext(capabilities: Partial<Capabilities> = {}, target: Partial<Target> = {}): MatrixContext {
  const base = embeddedTarget('http://127.0.0.1:9');
  const matrixTarget: Target = { ...base, ...target, capabilities: { ...base.capabilities, ...capabilities } };
  return {
    target: matrixTarget,
    clients: clientsFor(matrixTarget),
    outputs: { InboxBucketName: INBOX, BackupBucketName: BACKUP, BackupFunctionName: FUNCTION_NAME, LogGroupName: LOG_GROUP } as StackOutputs,
    parameters: { FunctionTimeoutSeconds: '60' },
    prefix: 'matrix/run-1/',
    probe: { receiptFor: async () => undefined, receiptsFor: async () => [], allReceipts: async () => [], dispose: async () => undefined },
    accountId: '123456789012',
    patienceMs: 1_000,
    log: () => undefined,
  };
}

/** A structured line of the function's log, as CloudWatch Logs returns it. */
export function logEvent(line: Record<string, unknown>, logStreamName = 'stream-1', timestamp = Date.now()): FilteredLogEvent {
  return { logStreamName, timestamp, message: JSON.stringify({ level: 'INFO', ...line }) };
}
