import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { AddPermissionCommand, DeleteFunctionCommand, GetFunctionConfigurationCommand, GetPolicyCommand, RemovePermissionCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { HeadBucketCommand, PutBucketEncryptionCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListChangeSetsCommand } from '@aws-sdk/client-cloudformation';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Interrupted } from '../../scripts/lib/cli.js';
import { emptyBucket, ensurePrivateBucket } from '../../scripts/lib/buckets.js';
import { artefactKey, freshArtefact } from '../../scripts/lib/artefact.js';
import { deploy, DeploymentCancelled, type DeploymentPlan } from '../../scripts/lib/deployment.js';
import { deleteStack, deployStack, describeStack } from '../../scripts/lib/stack.js';
import { readTemplateText } from '../../scripts/lib/template.js';
import { tearDown } from '../../scripts/lib/teardown.js';
import { projectRoot } from '../../scripts/lib/paths.js';
import { withTsx } from '../support/run-command.js';
import { emulatorQuiet, useEmbeddedStack } from './support/embedded.js';
import { zipOf } from './support/zip.js';

const PREFIX = 'kit-deploy-it';
const started = useEmbeddedStack({ namePrefix: PREFIX });

describe('deploy to the embedded target', () => {
  it('creates the stack, streams its events, prints outputs and proves the artefact', () => {
    // Prepare
    const { deployment, lines } = started();
    // Assess
    expect(deployment.action).toBe('created');
    expect(lines).toContainEqual(expect.stringMatching(/CREATE_COMPLETE\s+BackupFunction \(AWS::Lambda::Function\)/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}InboxBucketName\s+kit-deploy-it-inbox-123456789012-us-east-1$/));
    expect(lines).toContainEqual(`identical artefact: yes (CodeSha256 ${deployment.artefact.codeSha256} = sha256 ${deployment.artefact.sha256})`);
  });

  it('leaves a resource alone when only its Metadata changed, as CloudFormation does', async () => {
    // Prepare: the stack as an older template (no checkov notes on the log group) created it
    const { deployment } = started();
    const { cloudFormation, logs } = deployment.clients;
    const current = await readTemplateText();
    const older = current.replace(/(  BackupFunctionLogGroup:\n    Type: AWS::Logs::LogGroup\n)    Metadata:\n[\s\S]*?(    Properties:)/, '$1$2');
    const follow = { timeoutMs: 60_000, intervalMs: 200 };
    await deployStack(cloudFormation, { stackName: PREFIX, templateBody: older, parameters: deployment.parameters, log: () => undefined, ...follow });
    // Act
    const result = await deployStack(cloudFormation, { stackName: PREFIX, templateBody: current, parameters: deployment.parameters, log: () => undefined, ...follow });
    // Assess
    expect(older).not.toBe(current);
    expect(result.changes.map((change) => change.logicalId)).not.toContain('BackupFunctionLogGroup');
    expect(result.outputs.LogGroupName).toBe(deployment.outputs.LogGroupName);
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: deployment.outputs.LogGroupName }));
    expect(groups.logGroups?.map((group) => group.logGroupName)).toEqual([deployment.outputs.LogGroupName]);
  });

  it('redeploys without change as a no-op', async () => {
    // Prepare
    const { target } = started();
    const lines: string[] = [];
    // Act
    const again = await deploy(target, { overrides: { NamePrefix: PREFIX }, log: (line) => lines.push(line) });
    // Assess
    expect(again.action).toBe('unchanged');
    expect(lines).toContain(`stack ${PREFIX} is up to date: nothing to deploy`);
    expect(lines).toContainEqual(expect.stringContaining('identical artefact: yes'));
  });

  it('updates the stack through a change set when a parameter changes', async () => {
    // Prepare
    const { target, deployment } = started();
    const lines: string[] = [];
    // Act
    const updated = await deploy(target, { overrides: { NamePrefix: PREFIX, FunctionMemoryMb: '1024' }, log: (line) => lines.push(line) });
    // Assess
    expect(updated.action).toBe('updated');
    expect(lines).toContainEqual(expect.stringMatching(/Modify\s+BackupFunction \(AWS::Lambda::Function\)/));
    const config = await deployment.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: updated.outputs.BackupFunctionName }));
    expect(config.MemorySize).toBe(1024);
  });

  it('lists a new NotificationEmail as the replacement of the e-mail subscription, as CloudFormation does, and other changes as none', async () => {
    // Prepare: memory other than the stack's, whatever earlier tests left it at
    const { target, deployment } = started();
    const { MemorySize } = await deployment.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: deployment.outputs.BackupFunctionName }));
    const memory = MemorySize === 1024 ? '2048' : '1024';
    const moved: string[] = [];
    const back: string[] = [];
    // Act: a new address (the subscription's Endpoint, which it is created with), then the file's again with other memory
    await deploy(target, { overrides: { NamePrefix: PREFIX, NotificationEmail: 'other@example.com', FunctionMemoryMb: memory }, log: (line) => moved.push(line) });
    await deploy(target, { overrides: { NamePrefix: PREFIX }, log: (line) => back.push(line) });
    // Assess
    const subscription = '  Modify   ReceiptEmailSubscription (AWS::SNS::Subscription)  REPLACEMENT';
    expect([moved, back].map((lines) => lines.filter((line) => /^ {2}Modify /.test(line)))).toEqual([
      [subscription, '  Modify   BackupFunction (AWS::Lambda::Function)'],
      [subscription, '  Modify   BackupFunction (AWS::Lambda::Function)'],
    ]);
  });

  it("keeps the function's variables strings through a stack update, as CloudFormation's Ref of a Number gives them", async () => {
    // Prepare
    const { target, deployment } = started();
    // Act
    const updated = await deploy(target, { overrides: { NamePrefix: PREFIX, CopyConcurrency: '12' }, log: () => undefined });
    const response = await fetch(`${target.endpoint}/2015-03-31/functions/${updated.outputs.BackupFunctionName}/configuration`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=test/20261130/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0' },
    });
    const variables = ((await response.json()) as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
    await deploy(target, { overrides: { NamePrefix: PREFIX }, log: () => undefined });
    // Assess
    expect(updated.action).toBe('updated');
    expect(variables.COPY_CONCURRENCY).toBe('12');
    expect(Object.entries(variables).filter(([, value]) => typeof value !== 'string')).toEqual([]);
  });

  it('modifies a resource whose Fn::If condition a parameter flips', async () => {
    // Prepare
    const { target, deployment } = started();
    const lines: string[] = [];
    const iam = new IAMClient({ region: target.region, endpoint: target.endpoint!, credentials: target.credentials! });
    /** The Sids of the statements about sns:Publish in the function role's policy, as IAM holds it now. */
    const publishStatements = async () => {
      const { Role } = await deployment.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: deployment.outputs.BackupFunctionName }));
      const { PolicyDocument } = await iam.send(new GetRolePolicyCommand({ RoleName: Role!.split('/').at(-1)!, PolicyName: 'backup-function' }));
      const statements = (JSON.parse(decodeURIComponent(PolicyDocument!)) as { Statement: { Sid?: string; Effect: string; Action: string | string[] }[] }).Statement;
      return statements.filter((statement) => [statement.Action].flat().includes('sns:Publish')).map((statement) => `${statement.Effect} ${statement.Sid}`);
    };
    // Act
    await deploy(target, { overrides: { NamePrefix: PREFIX, FunctionMemoryMb: '1024', ReceiptPublishAllowed: 'false' }, log: (line) => lines.push(line) });
    const denied = await publishStatements();
    await deploy(target, { overrides: { NamePrefix: PREFIX, FunctionMemoryMb: '1024' }, log: (line) => lines.push(line) });
    const allowed = await publishStatements();
    // Assess
    expect(lines.filter((line) => /Modify\s+BackupFunctionRole \(AWS::IAM::Role\)/.test(line))).toHaveLength(2);
    expect({ denied, allowed }).toEqual({ denied: ['Deny DenyReceipts'], allowed: ['Allow PublishReceipts'] });
  });

  it('shows the plan and writes nothing when the start is not confirmed', async () => {
    // Prepare
    const { target, deployment } = started();
    const plans: DeploymentPlan[] = [];
    // Act
    const attempt = deploy(target, {
      overrides: { NamePrefix: 'kit-declined-it' },
      log: () => undefined,
      confirmStart: async (plan) => {
        plans.push(plan);
        return false;
      },
    });
    // Assess
    await expect(attempt).rejects.toThrow(DeploymentCancelled);
    expect(plans).toEqual([{ account: '123456789012', identity: expect.stringContaining('123456789012'), region: 'us-east-1', stackName: 'kit-declined-it', artefactSha256: deployment.artefact.sha256 }]);
    expect(await describeStack(deployment.clients.cloudFormation, 'kit-declined-it')).toBeUndefined();
    const artefacts = deployment.clients.s3.send(new HeadBucketCommand({ Bucket: 'kit-declined-it-artefacts-123456789012-us-east-1' }));
    await expect(artefacts).rejects.toThrow();
  });

  it("puts the artefact back on a function whose code was changed outside CloudFormation, which the unchanged stack would not", async () => {
    // Prepare: the stack as the parameter file says (earlier tests changed it), then someone replaces the function's code by hand
    const { target, deployment } = started();
    await deploy(target, { overrides: { NamePrefix: PREFIX }, log: () => undefined });
    const FunctionName = deployment.outputs.BackupFunctionName;
    const ZipFile = await zipOf('export const handler = async () => "not the kit";');
    await deployment.clients.lambda.send(new UpdateFunctionCodeCommand({ FunctionName, ZipFile }));
    const lines: string[] = [];
    // Act
    const redeploy = await deploy(target, { overrides: { NamePrefix: PREFIX }, log: (line) => lines.push(line) });
    // Assess
    const live = await deployment.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName }));
    expect(live.CodeSha256).toBe(redeploy.artefact.codeSha256);
    expect(lines).toContainEqual(expect.stringMatching(/^identical artefact: NO — \S+ runs CodeSha256 \S+, not this artefact's: its code was changed outside CloudFormation; putting the artefact back$/));
    expect(redeploy.action).toBe('unchanged');
    expect(lines).toContain(`identical artefact: yes (CodeSha256 ${live.CodeSha256} = sha256 ${redeploy.artefact.sha256})`);
  });

  it("replaces other code found under the artefact's key, whatever sha256 its metadata claims, so that the function runs the artefact", async () => {
    // Prepare: a new stack's artefacts bucket already holds other code under this artefact's key and sha256
    const { target, deployment } = started();
    const { s3 } = deployment.clients;
    const { artefact } = await freshArtefact();
    const stackName = 'kit-tamper-it';
    const artefactBucket = `${stackName}-artefacts-123456789012-us-east-1`;
    await ensurePrivateBucket(s3, artefactBucket, 'us-east-1', '123456789012');
    const Body = await zipOf('export const handler = async () => "not the kit";');
    await s3.send(new PutObjectCommand({ Bucket: artefactBucket, Key: artefactKey(artefact), Body, Metadata: { sha256: artefact.sha256 } }));
    const lines: string[] = [];
    // Act
    const deployed = await deploy(target, { overrides: { NamePrefix: stackName }, log: (line) => lines.push(line) });
    // Assess: the artefact was uploaded over the other code, and the function runs it
    const live = await deployed.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: deployed.outputs.BackupFunctionName }));
    expect(lines).toContain(`uploaded s3://${artefactBucket}/${artefactKey(artefact)}`);
    expect(lines).toContain(`stack ${stackName} created`);
    expect(live.CodeSha256).toBe(artefact.codeSha256);
    expect(lines).toContain(`identical artefact: yes (CodeSha256 ${artefact.codeSha256} = sha256 ${artefact.sha256})`);
  });

  it('fails the proof of a new stack whose artefact object was replaced after its upload, and the next deploy puts the artefact back', async () => {
    // Prepare: other code written over the artefact's object right after the deploy uploads it (the log line is
    // written before the stack is created, and the replacement ends before the callback returns)
    const { target, deployment } = started();
    const { artefact } = await freshArtefact();
    const stackName = 'kit-replaced-it';
    const directory = await mkdtemp(join(tmpdir(), 'replaced-artefact-'));
    const other = join(directory, 'other.zip');
    await writeFile(other, await zipOf('export const handler = async () => "not the kit";'));
    const put = { Bucket: `${stackName}-artefacts-123456789012-us-east-1`, Key: artefactKey(artefact), ServerSideEncryption: 'AES256' };
    const replace =
      `const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');` +
      `new S3Client({ endpoint: ${JSON.stringify(target.endpoint)}, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } })` +
      `.send(new PutObjectCommand({ ...${JSON.stringify(put)}, Body: require('node:fs').readFileSync(${JSON.stringify(other)}) })).catch((e) => { console.error(e); process.exit(1); });`;
    const replaceAfterUpload = (line: string) => {
      if (line.startsWith('uploaded s3://')) execFileSync(process.execPath, ['-e', replace], { cwd: projectRoot, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, stdio: ['ignore', 'ignore', 'inherit'] });
    };
    try {
      // Act
      const attempt = deploy(target, { overrides: { NamePrefix: stackName }, log: replaceAfterUpload });
      // Assess
      await expect(attempt).rejects.toThrow(new RegExp(`^identical artefact: NO — ${stackName}-\\S+ runs CodeSha256 \\S+, the artefact this deploy gave it is ${artefact.codeSha256.replaceAll('+', '\\+')}$`));
      const lines: string[] = [];
      const again = await deploy(target, { overrides: { NamePrefix: stackName }, log: (line) => lines.push(line) });
      const live = await deployment.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: again.outputs.BackupFunctionName }));
      expect(lines).toContain(`uploaded s3://${stackName}-artefacts-123456789012-us-east-1/${artefactKey(artefact)}`);
      expect(live.CodeSha256).toBe(artefact.codeSha256);
      expect(lines).toContain(`identical artefact: yes (CodeSha256 ${artefact.codeSha256} = sha256 ${artefact.sha256})`);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('leaves no change set behind when Ctrl-C leaves its question unanswered', async () => {
    // Prepare
    const { target, deployment } = started();
    const interrupted = new Interrupted('interrupted at the question "Execute this change set?", which was not answered');
    const changeSets = async () => (await deployment.clients.cloudFormation.send(new ListChangeSetsCommand({ StackName: PREFIX }))).Summaries ?? [];
    const before = await changeSets();
    // Act
    const attempt = deploy(target, { overrides: { NamePrefix: PREFIX, FunctionMemoryMb: '2048' }, log: () => undefined, confirmChanges: () => Promise.reject(interrupted) });
    // Assess
    await expect(attempt).rejects.toBe(interrupted);
    expect(await changeSets()).toEqual(before);
  });

  it('fails loudly when a live setting drifted from the template', async () => {
    // Prepare
    const { target, deployment } = started();
    const Bucket = deployment.outputs.BackupBucketName;
    await deployment.clients.s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } }));
    try {
      // Act
      const redeploy = deploy(target, { overrides: { NamePrefix: PREFIX, FunctionMemoryMb: '1024' }, log: () => undefined });
      // Assess
      await expect(redeploy).rejects.toThrow('1 live setting(s) differ from the template: BackupBucket versioning');
      // make destroy keeps the backup bucket, and the next deploy takes it over as it is: no verb sets it back
      await expect(redeploy).rejects.toThrow(/BackupBucket outlives `make destroy` \(DeletionPolicy Retain\) and the next deploy takes it over as it is: set it back by hand, on every target/);
      await expect(redeploy).rejects.not.toThrow(/on the emulators, `make destroy` and a deploy do it/);
    } finally {
      await deployment.clients.s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    }
  });

  it("fails loudly when the inbox's block of customer-provided keys (SSE-C) was lifted outside CloudFormation", async () => {
    // Prepare
    const { target, deployment } = started();
    const Bucket = deployment.outputs.InboxBucketName;
    const encryption = (EncryptionType: ('SSE-C' | 'NONE')[]) =>
      deployment.clients.s3.send(
        new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BlockedEncryptionTypes: { EncryptionType } }] } }),
      );
    await encryption(['NONE']);
    try {
      // Act
      const lines: string[] = [];
      const redeploy = deploy(target, { overrides: { NamePrefix: PREFIX }, log: (line) => lines.push(line) });
      // Assess
      await expect(redeploy).rejects.toThrow('1 live setting(s) differ from the template: InboxBucket bucketEncryption');
      expect(lines).toContainEqual(
        expect.stringMatching(
          /^ {2}DRIFT {2}InboxBucket bucketEncryption: template AES256 \(blocks SSE-C\), live AES256: set it back with `AWS_ACCESS_KEY_ID=test .* aws s3api put-bucket-encryption --bucket \S+ --server-side-encryption-configuration '\{"Rules":\[\{"ApplyServerSideEncryptionByDefault":\{"SSEAlgorithm":"AES256"\},"BlockedEncryptionTypes":\{"EncryptionType":\["SSE-C"\]\}\}\]\}' --endpoint-url http:\/\/127\.0\.0\.1:\d+`$/,
        ),
      );
    } finally {
      await encryption(['SSE-C']);
    }
  });

  it("fails loudly when the inbox's permission to invoke the function was removed outside CloudFormation, as no upload is backed up then", async () => {
    // Prepare
    const { target, deployment } = started();
    const { lambda } = deployment.clients;
    const FunctionName = deployment.outputs.BackupFunctionName;
    const [statement] = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName }))).Policy ?? '{}').Statement as { Sid: string }[];
    await lambda.send(new RemovePermissionCommand({ FunctionName, StatementId: statement!.Sid }));
    try {
      // Act
      const redeploy = deploy(target, { overrides: { NamePrefix: PREFIX }, log: () => undefined });
      // Assess
      await expect(redeploy).rejects.toThrow('1 live setting(s) differ from the template: InboxInvokePermission invokePermission');
    } finally {
      const inbox = deployment.outputs.InboxBucketName;
      await lambda.send(
        new AddPermissionCommand({ FunctionName, StatementId: statement!.Sid, Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: `arn:aws:s3:::${inbox}`, SourceAccount: '123456789012' }),
      );
    }
  });

  it('says another deploy moved the stack on, naming a parameter this one left at its default, instead of reporting drift', async () => {
    // Prepare: a second deploy runs between this one's update and its drift check (the test's process waits for it
    // there), setting CopyConcurrency, which this one leaves at the template's default
    const { target } = started();
    const directory = await mkdtemp(join(tmpdir(), 'other-deploy-'));
    const other = join(directory, 'other-deploy.mts');
    await writeFile(
      other,
      `import { deploy } from ${JSON.stringify(join(projectRoot, 'scripts/lib/deployment.ts'))};\n` +
        `import { embeddedTarget } from ${JSON.stringify(join(projectRoot, 'scripts/lib/targets.ts'))};\n` +
        `await deploy(embeddedTarget(${JSON.stringify(target.endpoint)}), { overrides: { NamePrefix: ${JSON.stringify(PREFIX)}, FunctionMemoryMb: '2048', CopyConcurrency: '16' }, log: () => undefined });\n`,
    );
    let otherRan = false;
    const log = (line: string) => {
      if (otherRan || line !== `stack ${PREFIX} updated`) return;
      otherRan = true;
      execFileSync(process.execPath, withTsx(other), { cwd: projectRoot, stdio: 'pipe' });
    };
    try {
      // Act
      const attempt = deploy(target, { overrides: { NamePrefix: PREFIX, FunctionMemoryMb: '2048' }, log });
      // Assess
      await expect(attempt).rejects.toThrow(/^kit-deploy-it changed while this deploy ran \(CopyConcurrency=16 \(this deploy's: 8\)\): another deploy is under way or has finished/);
      expect(otherRan).toBe(true);
    } finally {
      await deploy(target, { overrides: { NamePrefix: PREFIX }, log: () => undefined });
      await rm(directory, { recursive: true, force: true });
    }
  }, 60_000);

  it("fails loudly when the function's environment was changed outside CloudFormation, as an interrupted matrix case could leave it", async () => {
    // Prepare: the stack as the parameter file says, then TOPIC_ARN pointed at a topic that does not exist, as
    // matrix case 5 does while it runs
    const { target, deployment } = started();
    await deploy(target, { overrides: { NamePrefix: PREFIX }, log: () => undefined });
    const FunctionName = deployment.outputs.BackupFunctionName;
    const { lambda } = deployment.clients;
    const original = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }))).Environment?.Variables ?? {};
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables: { ...original, TOPIC_ARN: `${original.TOPIC_ARN}-no-such-topic` } } }));
    try {
      // Act
      const redeploy = deploy(target, { overrides: { NamePrefix: PREFIX }, log: () => undefined });
      // Assess
      await expect(redeploy).rejects.toThrow('1 live setting(s) differ from the template: BackupFunction environment');
    } finally {
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables: original } }));
    }
  });

  it('refuses, by name, an update whose parameters would add a conditional resource of a type it lacks, and leaves the stack as it was', async () => {
    // Prepare: a new stack with the trail fails too (below), so destroying this one would not help
    const { target, deployment } = started();
    const before = await describeStack(deployment.clients.cloudFormation, PREFIX);
    // Act
    const attempt = deploy(target, { overrides: { NamePrefix: PREFIX, FunctionMemoryMb: '1024', EnableAuditTrail: 'true' }, log: () => undefined });
    // Assess
    await expect(attempt).rejects.toThrow(
      /^change set for kit-deploy-it failed: the new parameters flip Condition AuditTrailEnabled, which would add or remove AuditTrail \(AWS::CloudTrail::Trail\), a resource type the embedded emulator does not support, in an update or a new stack: keep the parameter as it was on this target, or deploy to localstack or aws/,
    );
    const after = await describeStack(deployment.clients.cloudFormation, PREFIX);
    expect(after?.StackStatus).toBe(before?.StackStatus);
    expect(after?.LastUpdatedTime).toEqual(before?.LastUpdatedTime);
  });

  it('fails a create that needs a resource type the emulator cannot honour, naming it, and rolls back', async () => {
    // Prepare
    const { target, deployment } = started();
    const lines: string[] = [];
    // Act
    const attempt = deploy(target, { overrides: { NamePrefix: 'kit-trail-it', EnableAuditTrail: 'true' }, log: (line) => lines.push(line) });
    // Assess
    await expect(attempt).rejects.toThrow(/ROLLBACK_COMPLETE[\s\S]*AuditTrail \(AWS::CloudTrail::Trail\): resource type AWS::CloudTrail::Trail is not supported by the embedded emulator/);
    expect(lines).toContainEqual(expect.stringMatching(/CREATE_FAILED\s+AuditTrail/));
    expect((await describeStack(deployment.clients.cloudFormation, 'kit-trail-it'))?.StackStatus).toBe('ROLLBACK_COMPLETE');
  });

  it('names the kit\'s other stacks when it creates one under a new NamePrefix, as the verbs will not reach them', async () => {
    // Prepare: kit-deploy-it runs; the parameter file now names another prefix
    const { target, deployment } = started();
    const lines: string[] = [];
    try {
      // Act
      await deploy(target, { overrides: { NamePrefix: 'kit-second-it' }, log: (line) => lines.push(line) });
      const again = await deploy(target, { overrides: { NamePrefix: 'kit-second-it' }, log: () => undefined });
      // Assess
      expect(lines).toContainEqual(
        expect.stringMatching(/^note: (\S+, )*kit-deploy-it(, \S+)* on embedded (is another stack|are other stacks) of this kit \(an earlier NamePrefix\?\), .* which the verbs do not reach while the parameter file names kit-second-it: to remove one, put its NamePrefix back in cloudformation\/parameters\/embedded\.json and run `make destroy TARGET=embedded`$/),
      );
      expect(again.action).toBe('unchanged');
    } finally {
      await tearDown(target, deployment.clients, { deleteBackups: true, overrides: { NamePrefix: 'kit-second-it' }, log: () => undefined });
    }
  });

  it("says the stack's function is gone, and what to run, when it was deleted outside CloudFormation; destroy then does not send the owner to the verbs that invoke it", async () => {
    // Prepare: a stack of its own whose function was deleted by hand, and an upload since, which nothing backed up
    const { target, deployment } = started();
    const prefix = 'kit-fn-gone-it';
    const own = await deploy(target, { overrides: { NamePrefix: prefix }, log: () => undefined });
    await own.clients.lambda.send(new DeleteFunctionCommand({ FunctionName: own.outputs.BackupFunctionName }));
    await own.clients.s3.send(new PutObjectCommand({ Bucket: own.outputs.InboxBucketName, Key: 'after.txt', Body: 'no function' }));
    try {
      // Act
      const redeploy = await deploy(target, { overrides: { NamePrefix: prefix }, log: () => undefined }).catch((error: Error) => error);
      const destroy = await tearDown(target, own.clients, { deleteBackups: true, refuseUnbacked: true, overrides: { NamePrefix: prefix }, log: () => undefined }).catch((error: Error) => error);
      // Assess
      expect(redeploy).toBeInstanceOf(Error);
      expect(destroy).toBeInstanceOf(Error);
      expect((redeploy as Error).message).toBe(
        `${prefix}-backup, the stack's function, is gone: it was deleted outside CloudFormation, which does not create it again on a deploy, and no upload is backed up meanwhile: run \`make destroy TARGET=embedded\` (it names the uploads no backup holds and how to keep them; the backups are kept), then \`make deploy TARGET=embedded\``,
      );
      expect((destroy as Error).message).toContain("The stack's function is gone (deleted outside CloudFormation), so neither redrive nor reconcile can back them up: copy the inbox");
      expect((destroy as Error).message).not.toContain('make reconcile FIX=1');
    } finally {
      await tearDown(target, deployment.clients, { deleteBackups: true, overrides: { NamePrefix: prefix }, log: () => undefined });
    }
  });

  it('destroys the stack after emptying its versioned buckets', async () => {
    // Prepare
    const { deployment } = started();
    const { s3, cloudFormation } = deployment.clients;
    const { InboxBucketName, BackupBucketName } = deployment.outputs;
    await s3.send(new PutObjectCommand({ Bucket: InboxBucketName, Key: 'a.txt', Body: 'one' }));
    await s3.send(new PutObjectCommand({ Bucket: InboxBucketName, Key: 'a.txt', Body: 'two' }));
    // A backup copied after the buckets were emptied would fail the delete (DELETE_FAILED, as on AWS).
    await emulatorQuiet(started().emulator);
    // Act
    const emptied = (await emptyBucket(s3, InboxBucketName)) + (await emptyBucket(s3, BackupBucketName));
    await deleteStack(cloudFormation, PREFIX, () => undefined, { timeoutMs: 60_000, intervalMs: 200, startedAt: Date.now() });
    // Assess
    expect(emptied).toBeGreaterThanOrEqual(2);
    expect(await describeStack(cloudFormation, PREFIX)).toBeUndefined();
  });
});
