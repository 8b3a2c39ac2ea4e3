import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { deploy, DeploymentCancelled, deployNotes, requestableParameters } from '../../scripts/lib/deployment.js';
import { StackOperationFailed } from '../../scripts/lib/stack.js';
import { embeddedTarget, LocalStackMode, localstackTarget } from '../../scripts/lib/targets.js';
import { readTemplateText } from '../../scripts/lib/template.js';
import { awsError } from './support/fixtures.js';
import { kitOutputs, OTHERS_TEMPLATE } from './support/kit-stack.js';

// The template as it is, unless a test hands the deploy another one.
vi.mock('../../scripts/lib/template.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../scripts/lib/template.js')>();
  return { ...original, readTemplateText: vi.fn(original.readTemplateText) };
});

const cloudFormation = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);
const lambda = mockClient(LambdaClient);
const clients = [cloudFormation, s3, sts, lambda];

afterEach(() => {
  vi.unstubAllGlobals();
  for (const client of clients) client.reset();
});

/** Every request the deploy sent, by command name. */
const sent = () => clients.flatMap((client) => client.calls().map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name));

describe('deploy to LocalStack', () => {
  it('refuses a LocalStack started without a service the stack uses before it writes anything', async () => {
    // Prepare
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ services: { cloudformation: 'running', cloudwatch: 'disabled' } }))));
    // Act
    const deployed = deploy(localstackTarget('http://127.0.0.1:4577', LocalStackMode.host), { log: () => undefined });
    // Assess
    await expect(deployed).rejects.toThrow(/^LocalStack at http:\/\/127\.0\.0\.1:4577 runs without s3, lambda, .*cloudwatch, which the kit's stack needs/);
    expect(sent()).toEqual([]);
  });
});

describe('a deploy that turns the audit trail off', () => {
  it('is refused before anything is written while the trail bucket holds audit logs', async () => {
    // Prepare: a stack deployed with the trail on, whose bucket holds a log
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/owner' });
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'backup-kit',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Parameters: [{ ParameterKey: 'EnableAuditTrail', ParameterValue: 'true' }],
          Outputs: [...kitOutputs, { OutputKey: 'AuditTrailBucketName', OutputValue: 'backup-kit-audit-trail' }],
        },
      ],
    });
    s3.on(HeadBucketCommand).resolves({});
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'AWSLogs/1.json.gz', VersionId: 'v1' }] });
    // Act
    const deployed = deploy(embeddedTarget('http://127.0.0.1:9'), { overrides: { EnableAuditTrail: 'false' }, log: () => undefined });
    // Assess
    await expect(deployed).rejects.toThrow(UsageError);
    await expect(deployed).rejects.toThrow(/^EnableAuditTrail=false removes the audit trail and its bucket s3:\/\/backup-kit-audit-trail, which holds 1 object version/);
    expect(sent().filter((command) => !/^(Get|Describe|Head|List)/.test(command))).toEqual([]);
  });
});

describe('a deploy that takes a kept backup bucket over', () => {
  it("says another deploy created the stack meanwhile, not that a policy no stack manages must be removed, when the policy found is that stack's", async () => {
    // Prepare: no stack when this deploy looked; by the time it reads the kept bucket, another deploy's stack has put its policy on
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/owner' });
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [] });
    cloudFormation
      .on(DescribeStacksCommand, { StackName: 'backup-kit' })
      .rejectsOnce(new Error('Stack with id backup-kit does not exist'))
      .resolves({ Stacks: [{ StackName: 'backup-kit', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });
    s3.on(HeadBucketCommand).resolves({});
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'a.txt', VersionId: 'v1' }] });
    s3.on(GetBucketLifecycleConfigurationCommand).resolves({ Rules: [] });
    s3.on(GetObjectLockConfigurationCommand).resolves({});
    s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
    s3.on(GetBucketPolicyCommand).resolves({ Policy: '{"Statement":[{"Sid":"DenyInsecureTransport"}]}' });
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'backup-kit-backup-123456789012-us-east-1' }] });
    // Act
    const deployed = deploy(embeddedTarget('http://127.0.0.1:9'), { log: () => undefined });
    // Assess
    await expect(deployed).rejects.toThrow(StackOperationFailed);
    await expect(deployed).rejects.toThrow(/^stack backup-kit was created by another deploy after this one found none: this one changed nothing in it; once the other has ended, deploy again/);
    expect(sent().filter((command) => !/^(Get|Describe|Head|List)/.test(command))).toEqual([]);
  });
});

describe('parameters the deploy sets itself', () => {
  it.each([
    [{ ArtifactKey: 'does/not/exist.zip' }, 'ArtifactKey'],
    [{ ArtifactBucket: 'nowhere-bucket', ArtifactKey: 'x.zip' }, 'ArtifactBucket, ArtifactKey'],
    [{ KeptBackupBucket: 'true' }, 'KeptBackupBucket'],
  ])('refuses %j before it reads or writes anything: they would be replaced silently, or break the take-over of kept backups', async (overrides, names) => {
    // Act
    const deployed = deploy(embeddedTarget('http://127.0.0.1:9'), { overrides, log: () => undefined });
    // Assess
    await expect(deployed).rejects.toThrow(UsageError);
    await expect(deployed).rejects.toThrow(new RegExp(`^${names} (is|are) set by the deploy itself`));
    expect(sent()).toEqual([]);
  });
});

describe('a Number parameter that is not a whole number in digits', () => {
  it('is refused before anything is written, naming where it came from: the function would refuse it at every cold start', async () => {
    // Prepare
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/owner' });
    // Act
    const deployed = deploy(embeddedTarget('http://127.0.0.1:9'), { overrides: { CopyConcurrency: '2.5' }, log: () => undefined });
    // Assess
    await expect(deployed).rejects.toThrow(UsageError);
    await expect(deployed).rejects.toThrow(/^Parameter 'CopyConcurrency' must be a whole number in digits, such as 8: .* \(check the -p overrides and cloudformation\/parameters\/embedded\.json\)$/);
    expect(sent()).toEqual(['GetCallerIdentityCommand']);
  });
});

describe('an audit trail under a NamePrefix with two hyphens in a row', () => {
  it('is refused before anything is written, as CloudTrail would refuse the trail name and roll the update back', async () => {
    // Prepare
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/owner' });
    // Act
    const deployed = deploy(embeddedTarget('http://127.0.0.1:9'), { overrides: { NamePrefix: 'my--kit', EnableAuditTrail: 'true' }, log: () => undefined });
    // Assess
    await expect(deployed).rejects.toThrow(UsageError);
    await expect(deployed).rejects.toThrow(/^EnableAuditTrail=true names the audit trail my--kit-inbox-audit, which CloudTrail refuses \(no two hyphens in a row\): nothing was changed; /);
    expect(sent()).toEqual(['GetCallerIdentityCommand']);
  });
});

describe('a parameter name the template does not declare', () => {
  it('is refused before anything is written, in CloudFormation\'s words and with the name that was probably meant', async () => {
    // Prepare
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/owner' });
    // Act
    const deployed = deploy(embeddedTarget('http://127.0.0.1:9'), { overrides: { FunctionMemoryMB: '1024' }, log: () => undefined });
    // Assess
    await expect(deployed).rejects.toThrow(UsageError);
    await expect(deployed).rejects.toThrow(
      'Parameters: [FunctionMemoryMB] do not exist in the template: did you mean FunctionMemoryMb instead of FunctionMemoryMB? (check the -p overrides and cloudformation/parameters/embedded.json)',
    );
    expect(sent()).toEqual(['GetCallerIdentityCommand']);
  });
});

describe('a template with a typo in a reference', () => {
  it('is refused before anything is written, in CloudFormation\'s words, instead of leaving a stack half updated', async () => {
    // Prepare: the receipts topic's Ref misspelled
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/owner' });
    const typo = (await readTemplateText()).replace('TOPIC_ARN: !Ref ReceiptTopic', 'TOPIC_ARN: !Ref ReceiptTopicc');
    vi.mocked(readTemplateText).mockResolvedValueOnce(typo);
    // Act
    const deployed = deploy(embeddedTarget('http://127.0.0.1:9'), { log: () => undefined });
    // Assess
    await expect(deployed).rejects.toThrow(UsageError);
    await expect(deployed).rejects.toThrow(
      'cloudformation/template.yaml: Template format error: Unresolved resource dependencies [ReceiptTopicc] in the Resources block of the template: nothing was changed; fix the template (`make lint` names it too)',
    );
    expect(sent()).toEqual(['GetCallerIdentityCommand']);
  });
});

describe('a template given as it was checked', () => {
  it('is the one deployed, not the file read again: a save after the lint is not deployed unchecked', async () => {
    // Prepare: the text the lint saw has a typo; the file on disk is the good template
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/owner' });
    const checked = (await readTemplateText()).replace('TOPIC_ARN: !Ref ReceiptTopic', 'TOPIC_ARN: !Ref ReceiptTopicc');
    // Act
    const deployed = deploy(embeddedTarget('http://127.0.0.1:9'), { templateText: checked, log: () => undefined });
    // Assess
    await expect(deployed).rejects.toThrow('Unresolved resource dependencies [ReceiptTopicc]');
  });
});

describe('a stack of the same name that is not one of the kit\'s', () => {
  it('is refused before anything is written: updating it would replace its resources with the kit\'s', async () => {
    // Prepare: someone else's stack named as the parameter file names the kit's (its NamePrefix)
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/owner' });
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'backup-kit', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'OrdersQueueUrl', OutputValue: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders' }] }],
    });
    // Act
    const deployed = deploy(embeddedTarget('http://127.0.0.1:9'), { log: () => undefined });
    // Assess
    await expect(deployed).rejects.toThrow(UsageError);
    await expect(deployed).rejects.toThrow(
      "stack backup-kit on embedded is not one of this kit's (it has no InboxBucketName and BackupFunctionName outputs): deploying would replace its resources with the kit's, deleting them. Nothing was changed: give the kit another NamePrefix in cloudformation/parameters/embedded.json",
    );
    expect(sent().sort()).toEqual(['DescribeStacksCommand', 'GetCallerIdentityCommand']);
  });

  it.each([
    ['ROLLBACK_COMPLETE', 'which the deploy deleted to create the kit\'s in its place'],
    ['UPDATE_ROLLBACK_FAILED', 'for which it advised a destroy'],
    ['DELETE_FAILED', 'for which it advised a destroy'],
  ])('is refused in %s too, %s', async (status) => {
    // Prepare: someone else's stack of the name, failed; its template declares none of the kit's outputs
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/owner' });
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'backup-kit', StackStatus: status as Stack['StackStatus'], CreationTime: new Date() }] });
    cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: OTHERS_TEMPLATE });
    // Act
    const deployed = deploy(embeddedTarget('http://127.0.0.1:9'), { log: () => undefined });
    // Assess
    await expect(deployed).rejects.toThrow(UsageError);
    await expect(deployed).rejects.toThrow(
      "stack backup-kit on embedded is not one of this kit's (it has no InboxBucketName and BackupFunctionName outputs): deploying would replace its resources with the kit's, deleting them. Nothing was changed: give the kit another NamePrefix in cloudformation/parameters/embedded.json",
    );
    expect(sent().sort()).toEqual(['DescribeStacksCommand', 'GetCallerIdentityCommand', 'GetTemplateCommand']);
  });
});

describe('a deploy that creates a stack under a new NamePrefix', () => {
  it("names the backups kept from a destroyed stack of an earlier NamePrefix, which it does not take over and no verb reads", async () => {
    // Prepare: backup-kit was destroyed (its backup bucket kept), and the parameter file now names bk-two; a stack of
    // someone else's and a bucket of a name like the kit's with nothing in it stand beside
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/owner' });
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [] });
    cloudFormation.on(DescribeStacksCommand, { StackName: 'bk-two' }).rejects(new Error('Stack with id bk-two does not exist'));
    cloudFormation.on(DescribeStacksCommand, { StackName: 'backup-kit' }).rejects(new Error('Stack with id backup-kit does not exist'));
    cloudFormation.on(DescribeStacksCommand, { StackName: 'empty-kit' }).rejects(new Error('Stack with id empty-kit does not exist'));
    cloudFormation.on(DescribeStacksCommand, { StackName: 'orders' }).resolves({ Stacks: [{ StackName: 'orders', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', 404));
    s3.on(ListBucketsCommand)
      .resolvesOnce({ Buckets: [{ Name: 'backup-kit-backup-123456789012-us-east-1' }, { Name: 'backup-kit-artefacts-123456789012-us-east-1' }], ContinuationToken: 'next' })
      .resolves({ Buckets: [{ Name: 'orders-backup-123456789012-us-east-1' }, { Name: 'empty-kit-backup-123456789012-us-east-1' }, { Name: 'backup-kit-backup-123456789012-eu-west-1' }] });
    s3.on(ListObjectVersionsCommand, { Bucket: 'backup-kit-backup-123456789012-us-east-1' }).resolves({ Versions: [{ Key: 'docs/a.txt', VersionId: 'v1' }, { Key: 'docs/b.txt', VersionId: 'v2' }] });
    s3.on(ListObjectVersionsCommand, { Bucket: 'empty-kit-backup-123456789012-us-east-1' }).resolves({});
    const lines: string[] = [];
    // Act: stopped before anything is written
    const deployed = deploy(embeddedTarget('http://127.0.0.1:9'), { overrides: { NamePrefix: 'bk-two' }, confirmStart: async () => false, log: (line) => lines.push(line) });
    // Assess
    await expect(deployed).rejects.toThrow(DeploymentCancelled);
    expect(lines.filter((line) => line.includes('-backup-'))).toEqual([
      'note: s3://backup-kit-backup-123456789012-us-east-1 holds 2 backup version(s) kept from the destroyed stack backup-kit (an earlier NamePrefix?), which the stack bk-two does not take over, and which the verbs do not read while the parameter file names bk-two: ' +
        'to restore from them, or to back up into them again, put NamePrefix backup-kit back in cloudformation/parameters/embedded.json (`make restore` reads them, and `make deploy` takes the bucket over); to delete them for good, put it back and run `make destroy TARGET=embedded DELETE_BACKUPS=1`',
    ]);
    // A deploy run quietly (the matrix's) still shows it: only the deploy that creates the stack looks for kept backups,
    // and the matrix printed none of its lines, so a matrix run under a new NamePrefix never named them (seen on embedded)
    expect(deployNotes(lines)).toEqual(lines.filter((line) => line.startsWith('note: s3://backup-kit-backup-')));
    expect(deployNotes(lines)).toHaveLength(1);
  });
});

describe('the lines of a deploy a quiet deploy still shows', () => {
  it('are its notes, its warnings with a reason and the artefact put back, not its progress, outputs or checks that pass', () => {
    // Prepare: lines as the deploy and its drift check write them
    const lines = [
      'note: backup-kit on embedded is another stack of this kit (an earlier NamePrefix?), with its own inbox and backups, which the verbs do not reach while the parameter file names bk-two: …',
      'artefact: dist/handler.zip sha256 398b… (up to date: built from these sources)',
      'stack bk-two created',
      'outputs:',
      '  InboxBucketName        bk-two-inbox-123456789012-us-east-1',
      'identical artefact: NO — bk-two-backup runs CodeSha256 abc=, not this artefact\'s: its code was changed outside CloudFormation; putting the artefact back',
      'identical artefact: yes (CodeSha256 abc= = sha256 398b…)',
      'drift check (live resources vs template):',
      '  ok     BackupFunction runtime: nodejs22.x index.handler',
      '  warn   BackupFunctionRole other policies: extra-deny: a Deny there fails every backup …',
      '  warn   not emulated by localstack: ParkedEventsAlarm alarm (template: …; live: none)',
    ];
    // Act
    const shown = deployNotes(lines);
    // Assess
    expect(shown).toEqual([lines[0], lines[5], lines[9]]);
  });
});

describe("a stack's parameters taken again for a deploy", () => {
  it('leave out the ones the deploy sets itself, which it would refuse', () => {
    // Prepare: what DescribeStacks lists for a stack that took its backup bucket over
    const listed = { NamePrefix: 'backup-kit', ArtifactBucket: 'artefacts', ArtifactKey: 'backup-kit/handler-1.zip', KeptBackupBucket: 'true', FunctionMemoryMb: '512' };
    // Act
    const requestable = requestableParameters(listed);
    // Assess
    expect(requestable).toEqual({ NamePrefix: 'backup-kit', FunctionMemoryMb: '512' });
  });
});
