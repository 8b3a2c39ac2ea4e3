import { s3PutEvent } from '../../lib/s3-event.js';
import { invocationLoggedLine, invokeSync, setEnvironment } from '../checks.js';
import { fail, pass, type MatrixCase } from '../types.js';

export const errorVisibility: MatrixCase = {
  id: 7,
  name: 'error visibility',
  async run(context) {
    const before = await setEnvironment(context, ({ BACKUP_BUCKET, ...rest }) => ({ ...rest, BACKUP_BUCKTE: BACKUP_BUCKET ?? '' }));
    try {
      const since = Date.now();
      const event = s3PutEvent({ bucket: context.outputs.InboxBucketName, key: `${context.prefix}7-error/any.txt`, region: context.target.region, versionId: 'seeded' });
      const result = await invokeSync(context, event, { logTail: true });
      const message = (result.payload as { errorMessage?: string } | undefined)?.errorMessage ?? '';
      const evidence = [`environment variable BACKUP_BUCKET renamed to BACKUP_BUCKTE`, `invoke: FunctionError=${result.functionError ?? 'none'} errorMessage="${message.slice(0, 160)}"`];
      if (!result.functionError) return fail('the invocation did not fail as a function error', evidence);
      if (!message.includes('BACKUP_BUCKET')) return fail('the error does not name the misconfigured variable', evidence);
      if (!result.requestId) return fail('the invoke named no request id (no log tail, no x-amzn-RequestId): its log lines cannot be told from those of other invocations', evidence);
      // Only this invocation's lines count: an earlier run's failed init logged the same error.
      const line = await invocationLoggedLine(context, since, result.requestId, (l) => JSON.stringify(l).includes('BACKUP_BUCKET: is not set'));
      if (!line) {
        const knownGap = context.target.capabilities.initFailureLogsLost;
        return fail(`the error is not in the function's log group among the lines of invocation ${result.requestId} (its init included)${knownGap ? `: ${knownGap}` : ''}`, evidence);
      }
      evidence.push(`log group ${context.outputs.LogGroupName}, invocation ${result.requestId}: "${line.message}"`);
      return pass(evidence);
    } finally {
      await setEnvironment(context, () => before);
    }
  },
};
