import { beforeAll, describe, expect, it } from 'vitest';
import { INBOX_NOTIFICATION_EVENT } from '../../scripts/lib/inbox-handover.js';
import { dependencyGraph, findCycle, loadTemplate, readTemplateText, referencesIn, type Resource, type Template } from '../../scripts/lib/template.js';

let template: Template;
beforeAll(async () => {
  template = await loadTemplate();
});

const resource = (id: string): Resource => {
  const found = template.Resources[id];
  if (!found) throw new Error(`the template has no resource ${id}`);
  return found;
};
const props = (id: string) => resource(id).Properties ?? {};
const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown; Condition?: unknown };
const roleStatements = (): (Statement | { 'Fn::If': [string, Statement, unknown] })[] =>
  (props('BackupFunctionRole').Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
const plainStatements = (): Statement[] =>
  roleStatements().map((s) => ('Fn::If' in s ? s['Fn::If'][1] : s));

describe('the template is plain CloudFormation', () => {
  it('has no Transform and a format version', () => {
    // Assess
    expect(template.Transform).toBeUndefined();
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
  });

  it("fits CloudFormation's 51,200 bytes of TemplateBody, which the deploy sends it as", async () => {
    // Assess
    expect(Buffer.byteLength(await readTemplateText())).toBeLessThanOrEqual(51_200);
  });

  it('takes the parameters the scripts and the matrix rely on', () => {
    // Assess
    expect(Object.keys(template.Parameters)).toEqual(
      expect.arrayContaining([
        'NamePrefix',
        'NotificationEmail',
        'ArtifactBucket',
        'ArtifactKey',
        'EnableAuditTrail',
        'FunctionMemoryMb',
        'FunctionTimeoutSeconds',
        'MultipartThresholdBytes',
        'MultipartPartSizeBytes',
        'CopyConcurrency',
        'ReceiptPublishAllowed',
        'BackupNoncurrentVersionRetentionDays',
      ]),
    );
    expect(template.Parameters.NotificationEmail?.Default).toBe('');
    expect(template.Parameters.EnableAuditTrail?.Default).toBe('false');
    expect(template.Parameters.BackupNoncurrentVersionRetentionDays?.Default).toBe(0);
  });
});

describe.each(['InboxBucket', 'BackupBucket', 'TrailBucket'])('bucket %s', (bucket) => {
  it('is versioned, encrypted with SSE-S3, private and owner-enforced', () => {
    // Prepare
    const p = props(bucket);
    // Assess
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(p.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }],
    });
    expect(p.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(p.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  });

  it("refuses writes with customer-provided keys (SSE-C) by its own setting, not S3's regional default for new buckets", () => {
    // Prepare: S3 blocks SSE-C on new buckets by default, except in me-south-1 and me-central-1; an inbox upload
    // under SSE-C could never be read by the function (it holds no key), so it would be parked and never backed up.
    const rules = (props(bucket).BucketEncryption as { ServerSideEncryptionConfiguration: { BlockedEncryptionTypes?: unknown }[] }).ServerSideEncryptionConfiguration;
    // Assess
    expect(rules.map((rule) => rule.BlockedEncryptionTypes)).toEqual([{ EncryptionType: ['SSE-C'] }]);
  });

  it('has a name derived from the prefix and the account id', () => {
    // Assess
    expect(props(bucket).BucketName).toEqual({ 'Fn::Sub': expect.stringMatching(/^\$\{NamePrefix\}-[a-z]+-\$\{AWS::AccountId\}-\$\{AWS::Region\}$/) });
  });

  it('has a bucket policy that denies requests without TLS', () => {
    // Prepare
    const policies = ofType('AWS::S3::BucketPolicy').filter(([, r]) => referencesIn(r.Properties?.Bucket).has(bucket));
    const statements = policies.flatMap(([, r]) => (r.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
    // Assess
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it("allows no one through its policy but CloudTrail, for this stack's trail alone (make lint's checkov passes an Allow to anyone)", () => {
    // Prepare
    const policies = ofType('AWS::S3::BucketPolicy').filter(([, r]) => referencesIn(r.Properties?.Bucket).has(bucket));
    const allows = policies.flatMap(([, r]) => (r.Properties?.PolicyDocument as { Statement: Statement[] }).Statement).filter((s) => s.Effect !== 'Deny');
    // Assess
    for (const allow of allows) {
      expect(allow.Principal, `${allow.Sid ?? 'a statement'} allows a principal other than CloudTrail`).toEqual({ Service: 'cloudtrail.amazonaws.com' });
      expect(allow.Condition, `${allow.Sid ?? 'a statement'} allows any trail`).toMatchObject({ StringEquals: { 'aws:SourceArn': expect.anything() } });
    }
  });
});

describe('backup retention', () => {
  it('expires noncurrent backup versions only when a retention is set, and always aborts stale multipart copies', () => {
    // Prepare
    const rules = (props('BackupBucket').LifecycleConfiguration as { Rules: unknown[] }).Rules;
    // Assess
    expect(rules).toContainEqual(expect.objectContaining({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }));
    expect(rules).toContainEqual({
      'Fn::If': ['ExpiresNoncurrentVersions', expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: { Ref: 'BackupNoncurrentVersionRetentionDays' } } }), { Ref: 'AWS::NoValue' }],
    });
    expect(template.Conditions.ExpiresNoncurrentVersions).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'BackupNoncurrentVersionRetentionDays' }, 0] }] });
  });
});

describe('the inbox', () => {
  it('aborts multipart uploads left incomplete (an interrupted upload or restore), which no listing shows', () => {
    // Prepare
    const rules = (props('InboxBucket').LifecycleConfiguration as { Rules: unknown[] } | undefined)?.Rules;
    // Assess
    expect(rules).toEqual([{ Id: 'abort-incomplete-multipart-uploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }]);
  });
});

describe('receipts and failed events', () => {
  it('subscribes the e-mail address only when one is given', () => {
    // Assess
    expect(resource('ReceiptEmailSubscription')).toMatchObject({
      Type: 'AWS::SNS::Subscription',
      Condition: 'HasNotificationEmail',
      Properties: { Protocol: 'email', Endpoint: { Ref: 'NotificationEmail' }, TopicArn: { Ref: 'ReceiptTopic' } },
    });
    expect(template.Conditions.HasNotificationEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'NotificationEmail' }, ''] }] });
  });

  it("replaces SNS's default topic policy, which lets every principal of the account publish and subscribe: only the parked-events alarm is let in", () => {
    // Prepare
    const policies = ofType('AWS::SNS::TopicPolicy');
    const statements = (props('ReceiptTopicPolicy').PolicyDocument as { Statement: Statement[] }).Statement;
    const alarmArn = 'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:';
    // Assess
    expect(policies.map(([id, policy]) => [id, policy.Condition, policy.Properties?.Topics])).toEqual([['ReceiptTopicPolicy', undefined, [{ Ref: 'ReceiptTopic' }]]]);
    expect(statements).toEqual([
      {
        Sid: 'ParkedEventsAlarmPublishes',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: 'ReceiptTopic' },
        Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::Sub': `${alarmArn}\${NamePrefix}-parked-events` } } },
      },
    ]);
    // the alarm the statement names is the template's own: renamed alone, it would be refused and tell no one
    expect(props('ParkedEventsAlarm').AlarmName).toEqual({ 'Fn::Sub': '${NamePrefix}-parked-events' });
  });

  it('keeps failed events in an encrypted queue', () => {
    // Assess
    expect(resource('FailedEventsQueue').Type).toBe('AWS::SQS::Queue');
    expect(props('FailedEventsQueue').SqsManagedSseEnabled).toBe(true);
  });
});

describe('the function', () => {
  it('runs nodejs22.x from the promoted artefact with its configuration in the environment', () => {
    // Prepare
    const p = props('BackupFunction');
    // Assess
    expect(p.Runtime).toBe('nodejs22.x');
    expect(p.Handler).toBe('index.handler');
    expect(p.Code).toEqual({ S3Bucket: { Ref: 'ArtifactBucket' }, S3Key: { Ref: 'ArtifactKey' } });
    expect(Object.keys((p.Environment as { Variables: object }).Variables)).toEqual(
      expect.arrayContaining(['INBOX_BUCKET', 'BACKUP_BUCKET', 'TOPIC_ARN', 'MULTIPART_THRESHOLD_BYTES', 'MULTIPART_PART_SIZE_BYTES', 'COPY_CONCURRENCY']),
    );
  });

  it('logs into its own log group with a retention, created before the function', () => {
    // Assess
    expect(props('BackupFunctionLogGroup')).toEqual({
      LogGroupName: { 'Fn::Sub': '/aws/lambda/${NamePrefix}-backup' },
      RetentionInDays: { Ref: 'LogRetentionDays' },
    });
    expect(props('BackupFunction').FunctionName).toEqual({ 'Fn::Sub': '${NamePrefix}-backup' });
    expect(resource('BackupFunction').DependsOn).toBe('BackupFunctionLogGroup');
  });

  it('retries a failing event twice, then parks it in the failed-events queue', () => {
    // Assess
    expect(props('BackupFunctionEventInvokeConfig')).toEqual({
      FunctionName: { Ref: 'BackupFunction' },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: { Ref: 'MaximumEventAgeSeconds' },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] } } },
    });
  });

  it('is invoked by ObjectCreated events of the inbox', () => {
    // Assess
    expect(props('InboxBucket').NotificationConfiguration).toEqual({
      LambdaConfigurations: [{ Event: 's3:ObjectCreated:*', Function: { 'Fn::GetAtt': ['BackupFunction', 'Arn'] } }],
    });
    // The notification reconcile checks for, and its advice puts back, is the template's.
    expect(INBOX_NOTIFICATION_EVENT).toBe('s3:ObjectCreated:*');
  });

  it('may be invoked by S3 only for the inbox of this account', () => {
    // Assess
    expect(props('InboxInvokePermission')).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': ['BackupFunction', 'Arn'] },
      Principal: 's3.amazonaws.com',
      SourceArn: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${NamePrefix}-inbox-${AWS::AccountId}-${AWS::Region}' },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });
});

describe('the function role is least privilege', () => {
  it('grants no wildcard action', () => {
    // Prepare
    const actions = plainStatements().flatMap((s) => [s.Action].flat());
    // Assess
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  it('names an exact resource in every statement', () => {
    // Prepare
    const resources = plainStatements().flatMap((s) => [s.Resource].flat());
    // Assess
    expect(resources.filter((r) => typeof r === 'string')).toEqual([]);
    expect(resources.every((r) => referencesIn(r).size > 0 || JSON.stringify(r).includes('${NamePrefix}'))).toBe(true);
  });

  it('writes logs only into its own log group', () => {
    // Assess
    expect(plainStatements()).toContainEqual(
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': ['BackupFunctionLogGroup', 'Arn'] } }),
    );
  });

  it('may publish receipts only to its topic, and only while the switch allows it: otherwise it is denied outright', () => {
    // Prepare
    const guarded = roleStatements().filter((s) => 'Fn::If' in s);
    // Assess: a Deny, because the topic's default access policy could grant what the role does not
    expect(guarded).toEqual([
      {
        'Fn::If': [
          'PublishAllowed',
          { Sid: 'PublishReceipts', Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: 'ReceiptTopic' } },
          { Sid: 'DenyReceipts', Effect: 'Deny', Action: 'sns:Publish', Resource: { Ref: 'ReceiptTopic' } },
        ],
      },
    ]);
    expect(plainStatements().filter((s) => !('Fn::If' in s) && [s.Action].flat().includes('sns:Publish'))).toHaveLength(1);
  });

  // What each S3 call of the function needs (AWS's S3 actions reference), on the bucket it goes to.
  const needed: [call: string, action: string, bucket: 'inbox' | 'backup', level: 'bucket' | 'object'][] = [
    ['HeadObject of the current version', 's3:GetObject', 'inbox', 'object'],
    ["the current version's tag count in that HeadObject's answer", 's3:GetObjectTagging', 'inbox', 'object'],
    ['a missing key answering 404 rather than 403', 's3:ListBucket', 'inbox', 'bucket'],
    ['CopyObject / UploadPartCopy of a source version', 's3:GetObjectVersion', 'inbox', 'object'],
    ['GetObjectTagging of a source version, the copy of its tags', 's3:GetObjectVersionTagging', 'inbox', 'object'],
    ['HeadObject of the latest backup', 's3:GetObject', 'backup', 'object'],
    ["the latest backup's tag count in that HeadObject's answer", 's3:GetObjectTagging', 'backup', 'object'],
    ["an earlier backup version's tag count in its HeadObject's answer", 's3:GetObjectVersionTagging', 'backup', 'object'],
    ['a key without backups answering 404 rather than 403', 's3:ListBucket', 'backup', 'bucket'],
    ['HeadObject of an earlier backup version (a retry looking for its own copy)', 's3:GetObjectVersion', 'backup', 'object'],
    ['ListObjectVersions of a key (a retry looking for its own copy)', 's3:ListBucketVersions', 'backup', 'bucket'],
    ['CopyObject / CreateMultipartUpload / UploadPartCopy / CompleteMultipartUpload', 's3:PutObject', 'backup', 'object'],
    ['tags carried onto the backup', 's3:PutObjectTagging', 'backup', 'object'],
    ['tags too large for a header, set on the backup version afterwards', 's3:PutObjectVersionTagging', 'backup', 'object'],
    ['AbortMultipartUpload of a failed copy', 's3:AbortMultipartUpload', 'backup', 'object'],
  ];
  it.each(needed)('may do what %s needs: %s on the %s %s', (_, action, bucket, level) => {
    // Prepare
    const onTarget = (resource: unknown) => {
      const arn = JSON.stringify(resource);
      return arn.includes(`-${bucket}-`) && (level === 'object') === arn.includes('/*');
    };
    // Assess
    expect(plainStatements().some((s) => [s.Action].flat().includes(action) && [s.Resource].flat().some(onTarget))).toBe(true);
  });

  it('may do nothing more on the buckets than those calls need, on exactly their ARNs', () => {
    // Prepare
    const arnOf = (bucket: 'inbox' | 'backup', level: 'bucket' | 'object') =>
      JSON.stringify({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${NamePrefix}-${bucket}-\${AWS::AccountId}-\${AWS::Region}${level === 'object' ? '/*' : ''}` });
    const granted = plainStatements().flatMap((s) =>
      [s.Action].flat().filter((action) => String(action).startsWith('s3:')).flatMap((action) => [s.Resource].flat().map((r) => `${action} on ${JSON.stringify(r)}`)),
    );
    // Assess
    expect(new Set(granted)).toEqual(new Set(needed.map(([, action, bucket, level]) => `${action} on ${arnOf(bucket, level)}`)));
  });

  it('may send only to the failed-events queue', () => {
    // Assess
    expect(plainStatements()).toContainEqual(expect.objectContaining({ Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] } }));
  });
});

describe('no dependency cycle between the inbox and the function', () => {
  it('has an acyclic resource graph', () => {
    // Act
    const cycle = findCycle(dependencyGraph(template));
    // Assess
    expect(cycle).toBeUndefined();
  });

  it('names the inbox with !Sub everywhere but its own policy, and creates it after the invoke permission', () => {
    // Prepare
    const referrers = [...dependencyGraph(template)].filter(([, edges]) => edges.has('InboxBucket')).map(([id]) => id);
    // Assess
    expect(referrers).toEqual(['InboxBucketPolicy']);
    expect(resource('InboxBucket').DependsOn).toBe('InboxInvokePermission');
  });
});

describe('a parked event is not left to expire unseen', () => {
  it("alarms on the failed-events queue's visible messages over one five-minute period, notifying the receipts topic", () => {
    // Assess
    expect(resource('ParkedEventsAlarm').Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      EvaluationPeriods: 1,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['FailedEventsQueue', 'QueueName'] } }],
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: 'ReceiptTopic' }],
    });
  });
});

describe('the optional audit trail', () => {
  it('exists only when EnableAuditTrail is true', () => {
    // Prepare
    const audit = ['TrailBucket', 'TrailBucketPolicy', 'AuditTrail'];
    // Assess
    expect(audit.map((id) => resource(id).Condition)).toEqual(['AuditTrailEnabled', 'AuditTrailEnabled', 'AuditTrailEnabled']);
    expect(template.Conditions.AuditTrailEnabled).toEqual({ 'Fn::Equals': [{ Ref: 'EnableAuditTrail' }, 'true'] });
  });

  it('records the write data events of the inbox objects only', () => {
    // Prepare
    const selectors = props('AuditTrail').AdvancedEventSelectors as { FieldSelectors: unknown[] }[];
    // Assess
    expect(selectors).toHaveLength(1);
    expect(selectors[0]?.FieldSelectors).toEqual([
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
      { Field: 'readOnly', Equals: ['false'] },
      { Field: 'resources.ARN', StartsWith: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${NamePrefix}-inbox-${AWS::AccountId}-${AWS::Region}/' }] },
    ]);
  });

  it('lets CloudTrail check the ACL and write its logs with bucket-owner-full-control', () => {
    // Prepare
    const statements = (props('TrailBucketPolicy').PolicyDocument as { Statement: Statement[] }).Statement;
    // Assess
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:GetBucketAcl' }));
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: { 'Fn::Sub': '${TrailBucket.Arn}/AWSLogs/${AWS::AccountId}/*' },
        Condition: { StringEquals: expect.objectContaining({ 's3:x-amz-acl': 'bucket-owner-full-control' }) },
      }),
    );
  });
});

describe('outputs', () => {
  it('give the scripts every name they need', () => {
    // Assess
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining(['InboxBucketName', 'BackupBucketName', 'ReceiptTopicArn', 'BackupFunctionName', 'FailedEventsQueueUrl', 'FailedEventsQueueArn', 'LogGroupName']),
    );
  });
});

describe('backups outlive mistakes', () => {
  it('keeps the backup bucket when the stack is deleted or the bucket replaced', () => {
    // Assess
    expect(resource('BackupBucket')).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('takes a kept backup bucket over instead of creating it, naming it the same way everywhere', () => {
    // Prepare
    const name = '${NamePrefix}-backup-${AWS::AccountId}-${AWS::Region}';
    const references = Object.entries(template.Resources)
      .filter(([id]) => id !== 'BackupBucket' && id !== 'BackupBucketPolicy')
      .filter(([, r]) => referencesIn(r.Properties ?? {}).has('BackupBucket'));
    // Assess
    expect(template.Parameters.KeptBackupBucket).toMatchObject({ Default: 'false', AllowedValues: ['true', 'false'] });
    expect(resource('BackupBucket')).toMatchObject({ Condition: 'BackupBucketCreated', Properties: expect.objectContaining({ BucketName: { 'Fn::Sub': name } }) });
    expect(props('BackupBucketPolicy').Bucket).toEqual({ 'Fn::If': ['BackupBucketCreated', { Ref: 'BackupBucket' }, { 'Fn::Sub': name }] });
    expect(references.map(([id]) => id)).toEqual([]);
    expect(template.Outputs.BackupBucketName?.Value).toEqual({ 'Fn::Sub': name });
  });

  it('locks backup versions in governance mode for BackupObjectLockDays days, and not at all by default', () => {
    // Prepare
    const p = props('BackupBucket');
    // Assess
    expect(template.Parameters.BackupObjectLockDays).toMatchObject({ Type: 'Number', Default: 0, MinValue: 0 });
    expect(template.Conditions.BackupVersionsLocked).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'BackupObjectLockDays' }, 0] }] });
    expect(p.ObjectLockEnabled).toEqual({ 'Fn::If': ['BackupVersionsLocked', true, { Ref: 'AWS::NoValue' }] });
    expect(p.ObjectLockConfiguration).toEqual({
      'Fn::If': [
        'BackupVersionsLocked',
        { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: { Ref: 'BackupObjectLockDays' } } } },
        { Ref: 'AWS::NoValue' },
      ],
    });
  });
});

describe('the policy gate (checkov)', () => {
  type Skip = { id?: unknown; comment?: unknown };
  const skipsOf = (id: string): Skip[] => ((resource(id) as { Metadata?: { checkov?: { skip?: Skip[] } } }).Metadata?.checkov?.skip ?? []);

  it('accepts a finding only with its reason', () => {
    // Prepare
    const skips = Object.keys(template.Resources).flatMap((id) => skipsOf(id).map((skip) => ({ resource: id, ...skip })));
    // Assess
    expect(skips.length).toBeGreaterThan(0);
    for (const skip of skips) {
      expect(skip.id, `${skip.resource}: a skip names a checkov check`).toMatch(/^CKV_AWS_\d+$/);
      expect(String(skip.comment ?? '').length, `${skip.resource} ${String(skip.id)}: the comment says why it is accepted`).toBeGreaterThan(40);
    }
  });

  it('counts SSE-SQS as the queue’s encryption and the on-failure destination as the dead-letter path', () => {
    // Assess
    expect(skipsOf('FailedEventsQueue').map((skip) => skip.id)).toEqual(['CKV_AWS_27']);
    expect(props('FailedEventsQueue').SqsManagedSseEnabled).toBe(true);
    expect(skipsOf('BackupFunction').map((skip) => skip.id)).toContain('CKV_AWS_116');
    expect(props('BackupFunctionEventInvokeConfig').DestinationConfig).toEqual({ OnFailure: { Destination: { 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] } } });
  });
});
