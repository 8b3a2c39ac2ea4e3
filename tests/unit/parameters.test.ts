import { describe, expect, it } from 'vitest';
import { evaluateConditions, resolveIfs } from '../../scripts/lib/conditions.js';
import { parseOverrides, stackNameOf } from '../../scripts/lib/parameters.js';
import { loadTemplate } from '../../scripts/lib/template.js';

describe('parseOverrides', () => {
  it('reads Name=Value pairs, keeping = in values', () => {
    // Act
    const overrides = parseOverrides(['FunctionMemoryMb=1024', 'NotificationEmail=a=b@example.com']);
    // Assess
    expect(overrides).toEqual({ FunctionMemoryMb: '1024', NotificationEmail: 'a=b@example.com' });
  });

  it('explains the expected form', () => {
    // Act
    const parse = () => parseOverrides(['FunctionMemoryMb']);
    // Assess
    expect(parse).toThrow('must look like Name=Value');
  });

  it('names the stack after its prefix', () => {
    // Assess
    expect(stackNameOf({ NamePrefix: 'kit-a' })).toBe('kit-a');
    expect(stackNameOf({})).toBe('backup-kit');
  });
});

describe('template conditions', () => {
  it('follow the parameters, with template defaults for the rest', async () => {
    // Prepare
    const template = await loadTemplate();
    // Act
    const defaults = evaluateConditions(template, {});
    const changed = evaluateConditions(template, { NotificationEmail: 'me@example.com', EnableAuditTrail: 'true', ReceiptPublishAllowed: 'false', BackupNoncurrentVersionRetentionDays: '30', BackupObjectLockDays: '7', KeptBackupBucket: 'true' });
    // Assess
    expect(defaults).toEqual({ HasNotificationEmail: false, AuditTrailEnabled: false, PublishAllowed: true, ExpiresNoncurrentVersions: false, BackupVersionsLocked: false, BackupBucketCreated: true });
    expect(changed).toEqual({ HasNotificationEmail: true, AuditTrailEnabled: true, PublishAllowed: false, ExpiresNoncurrentVersions: true, BackupVersionsLocked: true, BackupBucketCreated: false });
  });

  it('resolve Fn::If branches and drop AWS::NoValue', () => {
    // Act
    const resolved = resolveIfs({ list: [{ 'Fn::If': ['A', 'yes', { Ref: 'AWS::NoValue' }] }, 'kept'] }, { A: false });
    // Assess
    expect(resolved).toEqual({ list: ['kept'] });
  });
});
