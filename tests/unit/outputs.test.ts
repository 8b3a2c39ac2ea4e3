import { describe, expect, it } from 'vitest';
import { completeOutputs, parseOutputs } from '../../scripts/lib/outputs.js';
import { outputsOf } from '../../scripts/lib/stack.js';
import { kitOutputs } from './support/kit-stack.js';

const TRAIL = 'backup-kit-audit-trail-123456789012-us-east-1';
const outputs = outputsOf({ StackName: 'backup-kit', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: kitOutputs });

describe("the stack's outputs", () => {
  it("keep the audit trail's bucket of a stack with the trail on, and do without it otherwise", () => {
    // Act
    const withTrail = completeOutputs({ ...outputs, AuditTrailBucketName: TRAIL });
    const parsed = parseOutputs('backup-kit', { ...outputs, AuditTrailBucketName: TRAIL });
    const withoutTrail = completeOutputs(outputs);
    // Assess
    expect(withTrail?.AuditTrailBucketName).toBe(TRAIL);
    expect(parsed.AuditTrailBucketName).toBe(TRAIL);
    expect(withoutTrail).toEqual(outputs);
  });

  it("name every output a stack lacks, and say that it was not deployed from the kit's template", () => {
    // Prepare
    const { InboxBucketName: _inbox, LogGroupName: _logs, ...partial } = outputs;
    // Act
    const parse = () => parseOutputs('backup-kit', { ...partial, BackupBucketName: '' });
    // Assess
    expect(parse).toThrow("stack backup-kit lacks the outputs InboxBucketName, BackupBucketName, LogGroupName: was it deployed from this kit's template? Run `make deploy`.");
    expect(completeOutputs(partial)).toBeUndefined();
  });
});
