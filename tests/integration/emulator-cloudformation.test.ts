import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  ListChangeSetsCommand,
  ListStackResourcesCommand,
  UpdateStackCommand,
  ValidateTemplateCommand,
  type CloudFormationClient,
  type DescribeChangeSetCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, DeleteBucketCommand, GetBucketPolicyCommand, HeadBucketCommand, PutBucketPolicyCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeLogGroupsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GetTopicAttributesCommand, ListTopicsCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { readTemplateText } from '../../scripts/lib/template.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { usePrivateEmulator } from './support/embedded.js';
import { zipOf } from './support/zip.js';

let cloudFormation: CloudFormationClient;
let lambda: LambdaClient;
let logs: CloudWatchLogsClient;
let s3: S3Client;
let sns: SNSClient;
let sqs: SQSClient;

usePrivateEmulator(async ({ clients }) => {
  ({ cloudFormation, lambda, logs, s3, sns, sqs } = clients);
});

type Template = { Parameters?: object; Conditions?: object; Resources: object; Outputs?: object };
const asParameters = (values: Record<string, string>) => Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));

const lambdaTrust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
/** A role with a name of its own, which takes CAPABILITY_NAMED_IAM. */
const namedRole = (RoleName: string) => ({ Type: 'AWS::IAM::Role', Properties: { RoleName, AssumeRolePolicyDocument: lambdaTrust } });

async function settledStatus(StackName: string): Promise<string> {
  return waitFor(
    `${StackName} to settle`,
    async () => {
      const status = (await cloudFormation.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0]?.StackStatus;
      return status === undefined || status.endsWith('_IN_PROGRESS') ? undefined : status;
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
}

async function createdStack(StackName: string, template: Template, parameters: Record<string, string> = {}): Promise<void> {
  await cloudFormation.send(new CreateStackCommand({ StackName, TemplateBody: JSON.stringify(template), Parameters: asParameters(parameters), Capabilities: ['CAPABILITY_IAM'] }));
  expect(await settledStatus(StackName)).toBe('CREATE_COMPLETE');
}

async function changeSet(StackName: string, template: Template, parameters: Record<string, string> = {}): Promise<DescribeChangeSetCommandOutput> {
  const ChangeSetName = `update-${Date.now()}`;
  await cloudFormation.send(new CreateChangeSetCommand({ StackName, ChangeSetName, ChangeSetType: 'UPDATE', TemplateBody: JSON.stringify(template), Parameters: asParameters(parameters), Capabilities: ['CAPABILITY_IAM'] }));
  return waitFor(
    'the change set',
    async () => {
      const described = await cloudFormation.send(new DescribeChangeSetCommand({ StackName, ChangeSetName }));
      return described.Status === 'CREATE_COMPLETE' || described.Status === 'FAILED' ? described : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
}

/** A stack of one function (its code a zip in a bucket of its own) with these runtime and variables. */
async function functionTemplate(name: string, properties: { Runtime: string; Environment?: object }): Promise<Template> {
  const Bucket = `${name}-code`;
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutObjectCommand({ Bucket, Key: 'code.zip', Body: await zipOf('export const handler = async () => "ok";') }));
  return {
    Resources: {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
      },
      Function: {
        Type: 'AWS::Lambda::Function',
        Properties: { FunctionName: name, Handler: 'index.handler', Code: { S3Bucket: Bucket, S3Key: 'code.zip' }, Role: { 'Fn::GetAtt': ['Role', 'Arn'] }, ...properties },
      },
    },
  };
}

describe("the embedded emulator's CloudFormation updates", () => {
  it('refuses in an update, as Lambda does, a function configuration Lambda refuses, and keeps the function as it was', async () => {
    // Prepare
    const StackName = 'kit-cfn-function-it';
    await createdStack(StackName, await functionTemplate(StackName, { Runtime: 'nodejs22.x', Environment: { Variables: { GREETING: 'hi' } } }));
    const live = () => lambda.send(new GetFunctionConfigurationCommand({ FunctionName: StackName }));
    const before = await live();
    // Act: a retired runtime, and a variable Lambda sets itself
    const retired = await changeSet(StackName, await functionTemplate(StackName, { Runtime: 'nodejs20.x', Environment: { Variables: { GREETING: 'hi', AWS_REGION: 'eu-west-1' } } }));
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: retired.ChangeSetName }));
    const status = await settledStatus(StackName);
    // Assess
    const events = (await cloudFormation.send(new DescribeStackEventsCommand({ StackName }))).StackEvents ?? [];
    const failed = events.filter((event) => event.LogicalResourceId === 'Function' && event.ResourceStatus === 'UPDATE_FAILED');
    expect(status).not.toBe('UPDATE_COMPLETE');
    expect(failed[0]?.ResourceStatusReason).toMatch(/^InvalidParameterValueException: The runtime parameter of nodejs20\.x is no longer supported for creating or updating AWS Lambda functions\./);
    const after = await live();
    expect([after.Runtime, after.Environment?.Variables]).toEqual([before.Runtime, { GREETING: 'hi' }]);
  });

  it('rolls a failed update back as CloudFormation does: what it changed is put back, and the stack can be updated again', async () => {
    // Prepare: the log group's change succeeds, the function's is refused by Lambda
    const StackName = 'kit-cfn-rollback-it';
    const base = await functionTemplate(StackName, { Runtime: { Ref: 'Runtime' } as unknown as string });
    const template: Template = {
      Parameters: { Runtime: { Type: 'String', Default: 'nodejs22.x' }, Retention: { Type: 'Number', Default: 7 } },
      Resources: { ...base.Resources, Group: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/kit/${StackName}`, RetentionInDays: { Ref: 'Retention' } } } },
    };
    await createdStack(StackName, template);
    const retention = async () => (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/kit/${StackName}` }))).logGroups?.[0]?.retentionInDays;
    const parameters = async () => Object.fromEntries(((await cloudFormation.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0]?.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));
    // Act
    const failing = await changeSet(StackName, template, { Runtime: 'nodejs20.x', Retention: '14' });
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: failing.ChangeSetName }));
    const status = await settledStatus(StackName);
    const [retentionAfter, parametersAfter] = [await retention(), await parameters()];
    const next = await changeSet(StackName, template, { Retention: '30' });
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: next.ChangeSetName }));
    // Assess
    const events = ((await cloudFormation.send(new DescribeStackEventsCommand({ StackName }))).StackEvents ?? []).reverse();
    const stackEvents = events.filter((event) => event.LogicalResourceId === StackName).map((event) => [event.ResourceStatus, event.ResourceStatusReason ?? null]);
    expect(status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(stackEvents).toContainEqual(['UPDATE_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to update: [Function].']);
    expect(events.filter((event) => event.LogicalResourceId === 'Function' && event.ResourceStatus === 'UPDATE_FAILED')).toHaveLength(1);
    expect([retentionAfter, parametersAfter]).toEqual([7, { Runtime: 'nodejs22.x', Retention: '7' }]);
    expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: StackName }))).Runtime).toBe('nodejs22.x');
    expect([await settledStatus(StackName), await retention()]).toEqual(['UPDATE_COMPLETE', 30]);
  });

  it('adds and removes a resource whose Condition the new parameters flip, as CloudFormation does, each time they flip it', async () => {
    // Prepare
    const StackName = 'kit-cfn-flip-it';
    const template: Template = {
      Parameters: { WithExtra: { Type: 'String', Default: 'no', AllowedValues: ['yes', 'no'] } },
      Conditions: { Extra: { 'Fn::Equals': [{ Ref: 'WithExtra' }, 'yes'] } },
      Resources: {
        Kept: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'kit-cfn-flip-kept' } },
        Extra: { Type: 'AWS::S3::Bucket', Condition: 'Extra', Properties: { BucketName: 'kit-cfn-flip-extra' } },
      },
      Outputs: { ExtraName: { Condition: 'Extra', Value: { Ref: 'Extra' } } },
    };
    await createdStack(StackName, template);
    const extraExists = () => s3.send(new HeadBucketCommand({ Bucket: 'kit-cfn-flip-extra' })).then(() => true, () => false);
    const outputs = async () => ((await cloudFormation.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0]?.Outputs ?? []).map((output) => output.OutputKey);
    const flip = async (WithExtra: string) => {
      const described = await changeSet(StackName, template, { WithExtra });
      await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: described.ChangeSetName }));
      const changes = (described.Changes ?? []).map((change) => `${change.ResourceChange?.Action} ${change.ResourceChange?.LogicalResourceId}`);
      return [described.Status, changes, await settledStatus(StackName), await extraExists(), await outputs()];
    };
    // Act: on, off, and on again
    const on = await flip('yes');
    const off = await flip('no');
    const onAgain = await flip('yes');
    // Assess
    expect(on).toEqual(['CREATE_COMPLETE', ['Add Extra'], 'UPDATE_COMPLETE', true, ['ExtraName']]);
    expect(off).toEqual(['CREATE_COMPLETE', ['Remove Extra'], 'UPDATE_COMPLETE', false, []]);
    expect(onAgain).toEqual(['CREATE_COMPLETE', ['Add Extra'], 'UPDATE_COMPLETE', true, ['ExtraName']]);
    const events = ((await cloudFormation.send(new DescribeStackEventsCommand({ StackName }))).StackEvents ?? []).reverse();
    expect(events.filter((event) => event.LogicalResourceId === 'Extra' && !event.ResourceStatus?.endsWith('_IN_PROGRESS')).map((event) => event.ResourceStatus)).toEqual([
      'CREATE_COMPLETE',
      'DELETE_COMPLETE',
      'CREATE_COMPLETE',
    ]);
  });

  it('adds, removes and modifies the resources of Conditions a new template adds, removes or redefines, as CloudFormation does', async () => {
    // Prepare: a bucket left out by a Condition, a queue kept by one, and a queue whose timeout an Fn::If picks
    const StackName = 'kit-cfn-new-conditions-it';
    const exists = {
      bucket: (Bucket: string) => s3.send(new HeadBucketCommand({ Bucket })).then(() => true, () => false),
      queue: (QueueName: string) => sqs.send(new GetQueueUrlCommand({ QueueName })).then(() => true, () => false),
    };
    const visibilityTimeout = async (QueueName: string) => {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName }));
      return (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout'] }))).Attributes?.VisibilityTimeout;
    };
    const before = {
      Parameters: { Size: { Type: 'String', Default: 'small' }, Mode: { Type: 'String', Default: 'a' } },
      Conditions: { Left: { 'Fn::Equals': [{ Ref: 'Mode' }, 'b'] }, Kept: { 'Fn::Equals': [{ Ref: 'Mode' }, 'a'] } },
      Resources: {
        Stays: { Type: 'AWS::S3::Bucket', Properties: { BucketName: `${StackName}-stays` } },
        Unconditioned: { Type: 'AWS::S3::Bucket', Condition: 'Left', Properties: { BucketName: `${StackName}-unconditioned` } },
        Redefined: { Type: 'AWS::SQS::Queue', Condition: 'Kept', Properties: { QueueName: `${StackName}-redefined` } },
        Picked: { Type: 'AWS::SQS::Queue', Properties: { QueueName: `${StackName}-picked`, VisibilityTimeout: { 'Fn::If': ['Kept', 30, 60] } } },
      },
    };
    await createdStack(StackName, before);
    // Act: one template adds Conditions (one reading a changed parameter, one a new parameter), drops Left with
    // Unconditioned's Condition, and redefines Kept over an unchanged parameter
    const after: Template = {
      Parameters: { ...before.Parameters, Fresh: { Type: 'String', Default: 'yes' } },
      Conditions: { Large: { 'Fn::Equals': [{ Ref: 'Size' }, 'large'] }, WithFresh: { 'Fn::Equals': [{ Ref: 'Fresh' }, 'yes'] }, Kept: { 'Fn::Equals': [{ Ref: 'Mode' }, 'b'] } },
      Resources: {
        Stays: before.Resources.Stays,
        Unconditioned: { Type: 'AWS::S3::Bucket', Properties: { BucketName: `${StackName}-unconditioned` } },
        Redefined: before.Resources.Redefined,
        Picked: before.Resources.Picked,
        LargeBucket: { Type: 'AWS::S3::Bucket', Condition: 'Large', Properties: { BucketName: `${StackName}-large` } },
        FreshBucket: { Type: 'AWS::S3::Bucket', Condition: 'WithFresh', Properties: { BucketName: `${StackName}-fresh` } },
      },
    };
    const update = await changeSet(StackName, after, { Size: 'large' });
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: update.ChangeSetName }));
    // Assess
    const changes = (update.Changes ?? []).map((change) => `${change.ResourceChange?.Action} ${change.ResourceChange?.LogicalResourceId}`).sort();
    expect([update.Status, update.StatusReason ?? null]).toEqual(['CREATE_COMPLETE', null]);
    expect(changes).toEqual(['Add FreshBucket', 'Add LargeBucket', 'Add Unconditioned', 'Modify Picked', 'Remove Redefined']);
    expect(await settledStatus(StackName)).toBe('UPDATE_COMPLETE');
    expect({
      large: await exists.bucket(`${StackName}-large`),
      fresh: await exists.bucket(`${StackName}-fresh`),
      unconditioned: await exists.bucket(`${StackName}-unconditioned`),
      redefined: await exists.queue(`${StackName}-redefined`),
      pickedTimeout: await visibilityTimeout(`${StackName}-picked`),
    }).toEqual({ large: true, fresh: true, unconditioned: true, redefined: false, pickedTimeout: '60' });
  });

  it('reads a boolean of the template as CloudFormation does, the text "true" or "false", in AllowedValues and in a Condition an update flips', async () => {
    // Prepare: booleans where a template in YAML has them unquoted (`AllowedValues: [true, false]`)
    const StackName = 'kit-cfn-boolean-it';
    const template: Template = {
      Parameters: { Switch: { Type: 'String', Default: false, AllowedValues: [true, false] } },
      Conditions: { SwitchedOn: { 'Fn::Equals': [{ Ref: 'Switch' }, true] } },
      Resources: {
        Kept: { Type: 'AWS::S3::Bucket', Properties: { BucketName: `${StackName}-kept` } },
        Extra: { Type: 'AWS::S3::Bucket', Condition: 'SwitchedOn', Properties: { BucketName: `${StackName}-extra` } },
      },
    };
    await createdStack(StackName, template);
    // Act
    const update = await changeSet(StackName, template, { Switch: 'true' }).catch((error: Error) => ({ Status: `${error.name}: ${error.message}`, Changes: [] }));
    if (update.Status === 'CREATE_COMPLETE') await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: (update as DescribeChangeSetCommandOutput).ChangeSetName }));
    // Assess
    expect([update.Status, (update.Changes ?? []).map((change) => `${change.ResourceChange?.Action} ${change.ResourceChange?.LogicalResourceId}`)]).toEqual(['CREATE_COMPLETE', ['Add Extra']]);
    expect(await settledStatus(StackName)).toBe('UPDATE_COMPLETE');
    await expect(s3.send(new HeadBucketCommand({ Bucket: `${StackName}-extra` }))).resolves.toBeDefined();
  });

  it('creates, and adds in an update, the resources of Conditions that compare as CloudFormation does: as text, exactly, whichever side the boolean is on', async () => {
    // Prepare: `!Equals [true, !Ref Switch]` holds for Switch=true as `!Equals [!Ref Switch, true]` does, "True" is not
    // "true", and a Number parameter of 7 equals the template's text "7"
    const StackName = 'kit-cfn-equals-text-it';
    const template: Template = {
      Parameters: { Switch: { Type: 'String', Default: 'false' }, Days: { Type: 'Number', Default: 0 } },
      Conditions: {
        BooleanFirst: { 'Fn::Equals': [true, { Ref: 'Switch' }] },
        BooleanSecond: { 'Fn::Equals': [{ Ref: 'Switch' }, true] },
        AWeek: { 'Fn::Equals': [{ Ref: 'Days' }, '7'] },
      },
      Resources: {
        Kept: { Type: 'AWS::S3::Bucket', Properties: { BucketName: `${StackName}-kept` } },
        First: { Type: 'AWS::S3::Bucket', Condition: 'BooleanFirst', Properties: { BucketName: `${StackName}-first` } },
        Second: { Type: 'AWS::S3::Bucket', Condition: 'BooleanSecond', Properties: { BucketName: `${StackName}-second` } },
        Week: { Type: 'AWS::S3::Bucket', Condition: 'AWeek', Properties: { BucketName: `${StackName}-week` } },
      },
    };
    const exists = (Bucket: string) => s3.send(new HeadBucketCommand({ Bucket })).then(() => true, () => false);
    const buckets = async () => ({ first: await exists(`${StackName}-first`), second: await exists(`${StackName}-second`), week: await exists(`${StackName}-week`) });
    // Act
    await createdStack(StackName, template, { Switch: 'True', Days: '7' });
    const created = await buckets();
    const update = await changeSet(StackName, template, { Switch: 'true', Days: '7' });
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: update.ChangeSetName }));
    const status = await settledStatus(StackName);
    // Assess
    expect(created).toEqual({ first: false, second: false, week: true });
    expect((update.Changes ?? []).map((change) => `${change.ResourceChange?.Action} ${change.ResourceChange?.LogicalResourceId}`).sort()).toEqual(['Add First', 'Add Second']);
    expect(status).toBe('UPDATE_COMPLETE');
    expect(await buckets()).toEqual({ first: true, second: true, week: true });
  });

  it("reads a YAML template's short form !Condition as the Condition it names, in a create and in an update", async () => {
    // Prepare: the form a Condition that names another takes in YAML (cloudformation/template.yaml is YAML)
    const StackName = 'kit-cfn-yaml-condition-it';
    const yamlTemplate = (outer: string) =>
      [
        'Parameters:',
        '  Mode: {Type: String, Default: a}',
        'Conditions:',
        '  IsA: !Equals [!Ref Mode, a]',
        `  Outer: ${outer}`,
        'Resources:',
        `  Kept: {Type: AWS::S3::Bucket, Properties: {BucketName: ${StackName}-kept}}`,
        `  Inner: {Type: AWS::S3::Bucket, Condition: Outer, Properties: {BucketName: ${StackName}-inner}}`,
      ].join('\n');
    const exists = () => s3.send(new HeadBucketCommand({ Bucket: `${StackName}-inner` })).then(() => true, () => false);
    // Act: created with Outer holding; then Outer redefined to hold no longer, and Mode changed
    await cloudFormation.send(new CreateStackCommand({ StackName, TemplateBody: yamlTemplate('!And [!Condition IsA, !Equals [x, x]]') }));
    const createdStatus = await settledStatus(StackName);
    const created = await exists();
    const ChangeSetName = 'redefined';
    await cloudFormation.send(new CreateChangeSetCommand({ StackName, ChangeSetName, ChangeSetType: 'UPDATE', TemplateBody: yamlTemplate('!Not [!Condition IsA]'), Parameters: asParameters({ Mode: 'a' }) }));
    const update = await waitFor(
      'the change set',
      async () => {
        const described = await cloudFormation.send(new DescribeChangeSetCommand({ StackName, ChangeSetName }));
        return described.Status === 'CREATE_COMPLETE' || described.Status === 'FAILED' ? described : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    if (update.Status === 'CREATE_COMPLETE') await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName }));
    // Assess
    expect([createdStatus, created]).toEqual(['CREATE_COMPLETE', true]);
    expect([update.Status, update.StatusReason ?? null, (update.Changes ?? []).map((change) => `${change.ResourceChange?.Action} ${change.ResourceChange?.LogicalResourceId}`)]).toEqual(['CREATE_COMPLETE', null, ['Remove Inner']]);
    expect(await settledStatus(StackName)).toBe('UPDATE_COMPLETE');
    expect(await exists()).toBe(false);
  });

  it('keeps as names the parameters, resources and outputs that YAML 1.1 reads as booleans (On, Off, Yes, No), and reads an unquoted yes value as "true"', async () => {
    // Prepare: names and values YAML 1.1 reads as booleans, unquoted
    const StackName = 'kit-cfn-yaml-boolean-names-it';
    const template = [
      'Parameters:',
      '  On: {Type: String, Default: yes}',
      '  Off: {Type: String, AllowedValues: [yes, no]}',
      'Resources:',
      '  Yes:',
      '    Type: AWS::SQS::Queue',
      '    Properties: {QueueName: !Sub "${AWS::StackName}-${On}"}',
      'Outputs:',
      '  No: {Value: !GetAtt Yes.QueueName}',
    ].join('\n');
    const created = (Off: string) => cloudFormation.send(new CreateStackCommand({ StackName, TemplateBody: template, Parameters: asParameters({ Off }) }));
    // Act
    const refusal = await created('no').then(() => 'created', (error: Error) => `${error.name}: ${error.message}`);
    await created('true');
    const createdStatus = await settledStatus(StackName);
    const stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0];
    const resources = ((await cloudFormation.send(new ListStackResourcesCommand({ StackName }))).StackResourceSummaries ?? []).map((resource) => resource.LogicalResourceId);
    await cloudFormation.send(new DeleteStackCommand({ StackName }));
    const deleted = await waitFor(
      `${StackName} to go`,
      async () => {
        const found = await cloudFormation.send(new DescribeStacksCommand({ StackName })).then((described) => described.Stacks?.[0]?.StackStatus, () => 'gone');
        return found === undefined || found.endsWith('_IN_PROGRESS') ? undefined : found;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    // Assess: the names stay as written; the values are YAML 1.1 booleans, which CloudFormation reads as "true"/"false"
    expect(refusal).toBe("ValidationError: Parameter 'Off' must be one of AllowedValues");
    expect(createdStatus).toBe('CREATE_COMPLETE');
    expect(Object.fromEntries((stack?.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]))).toEqual({ On: 'true', Off: 'true' });
    expect(stack?.Outputs?.map((o) => [o.OutputKey, o.OutputValue])).toEqual([['No', `${StackName}-true`]]);
    expect(resources).toEqual(['Yes']);
    expect(deleted).toBe('gone');
  });

  it('finds a Mappings entry whose YAML key is a number or a boolean by the number or boolean a FindInMap names, as CloudFormation reads both as text', async () => {
    // Prepare: keys YAML 1.1 reads as a number and a boolean, unquoted; a literal and a Number parameter's Default name them
    const StackName = 'kit-cfn-yaml-mapping-keys-it';
    const template = [
      'Parameters:',
      '  Port: {Type: Number, Default: 443}',
      'Mappings:',
      '  Ports:',
      '    80: {Name: http}',
      '    443: {Name: https}',
      '  Switches:',
      '    true: {Name: lit}',
      'Resources:',
      '  Plain:',
      '    Type: AWS::SQS::Queue',
      '    Properties: {QueueName: !Join [-, [!Ref AWS::StackName, !FindInMap [Ports, 80, Name]]]}',
      '  Secure:',
      '    Type: AWS::SQS::Queue',
      '    Properties: {QueueName: !Join [-, [!Ref AWS::StackName, !FindInMap [Ports, !Ref Port, Name]]]}',
      '  Switched:',
      '    Type: AWS::SQS::Queue',
      '    Properties: {QueueName: !Join [-, [!Ref AWS::StackName, !FindInMap [Switches, true, Name]]]}',
      'Outputs:',
      '  Names: {Value: !Join [",", [!GetAtt Plain.QueueName, !GetAtt Secure.QueueName, !GetAtt Switched.QueueName]]}',
    ].join('\n');
    // Act
    await cloudFormation.send(new CreateStackCommand({ StackName, TemplateBody: template }));
    const status = await settledStatus(StackName);
    const stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0];
    await cloudFormation.send(new DeleteStackCommand({ StackName }));
    // Assess
    expect(`${status} ${stack?.StackStatusReason ?? ''}`.trim()).toBe('CREATE_COMPLETE');
    expect(stack?.Outputs?.map((o) => [o.OutputKey, o.OutputValue])).toEqual([['Names', `${StackName}-http,${StackName}-https,${StackName}-lit`]]);
  });

  it('puts back in its rollback a resource an update removed before another removal failed, and reports that failure once', async () => {
    // Prepare: two resources behind one Condition; the bucket holds an object, so that removing it fails
    const StackName = 'kit-cfn-removal-rollback-it';
    const template: Template = {
      Parameters: { WithExtra: { Type: 'String', Default: 'yes' } },
      Conditions: { Extra: { 'Fn::Equals': [{ Ref: 'WithExtra' }, 'yes'] } },
      Resources: {
        ExtraQueue: { Type: 'AWS::SQS::Queue', Condition: 'Extra', Properties: { QueueName: `${StackName}-queue` } },
        ExtraBucket: { Type: 'AWS::S3::Bucket', Condition: 'Extra', Properties: { BucketName: `${StackName}-bucket` } },
      },
    };
    await createdStack(StackName, template);
    await s3.send(new PutObjectCommand({ Bucket: `${StackName}-bucket`, Key: 'kept.txt', Body: 'kept' }));
    const queueExists = () => sqs.send(new GetQueueUrlCommand({ QueueName: `${StackName}-queue` })).then(() => true, () => false);
    // Act
    const removal = await changeSet(StackName, template, { WithExtra: 'no' });
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: removal.ChangeSetName }));
    const status = await settledStatus(StackName);
    // Assess: the stack says it is as it was before the update, and so it is
    const resources = ((await cloudFormation.send(new DescribeStackResourcesCommand({ StackName }))).StackResources ?? []).map((resource) => resource.LogicalResourceId);
    expect([status, await queueExists()]).toEqual(['UPDATE_ROLLBACK_COMPLETE', true]);
    expect(resources).toContain('ExtraQueue');
    // The removal that failed is reported once (not once per moto retry), and the rollback names it
    const events = ((await cloudFormation.send(new DescribeStackEventsCommand({ StackName }))).StackEvents ?? []).reverse();
    expect(events.filter((event) => event.LogicalResourceId === 'ExtraBucket' && event.ResourceStatus?.startsWith('DELETE_')).map((event) => event.ResourceStatus)).toEqual([
      'DELETE_IN_PROGRESS',
      'DELETE_FAILED',
    ]);
    expect(events.find((event) => event.ResourceStatus === 'UPDATE_ROLLBACK_IN_PROGRESS')?.ResourceStatusReason).toBe('The following resource(s) failed to update: [ExtraBucket].');
  });

  it('marks each modification as CloudFormation does: a replacement when a property the resource is created with changes, conditional when one names a replaced resource', async () => {
    // Prepare: a queue named by a parameter, another tuned by one, and a subscription of the first
    const StackName = 'kit-cfn-replace-it';
    const template: Template = {
      Parameters: { QueueName: { Type: 'String' }, Visibility: { Type: 'Number', Default: 30 }, Raw: { Type: 'String', Default: 'false' } },
      Resources: {
        Renamed: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { Ref: 'QueueName' } } },
        Tuned: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'kit-cfn-replace-tuned', VisibilityTimeout: { Ref: 'Visibility' } } },
        Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'kit-cfn-replace-topic' } },
        ToRenamed: {
          Type: 'AWS::SNS::Subscription',
          Properties: { TopicArn: { Ref: 'Topic' }, Protocol: 'sqs', Endpoint: { 'Fn::GetAtt': ['Renamed', 'Arn'] }, RawMessageDelivery: { Ref: 'Raw' } },
        },
      },
    };
    await createdStack(StackName, template, { QueueName: 'kit-cfn-replace-a' });
    // Act: a new QueueName (create-only: a new queue), a new VisibilityTimeout (changed in place), raw delivery on
    const described = await changeSet(StackName, template, { QueueName: 'kit-cfn-replace-b', Visibility: '60', Raw: 'true' });
    // Assess
    const marks = Object.fromEntries((described.Changes ?? []).map(({ ResourceChange: change }) => [change?.LogicalResourceId, `${change?.Action} ${change?.Replacement}`]));
    expect(marks).toEqual({ Renamed: 'Modify True', Tuned: 'Modify False', ToRenamed: 'Modify Conditional' });
  });

  it('fails at its creation a change set that would give a bucket a property the emulator cannot honour, and leaves the stack usable', async () => {
    // Prepare
    const StackName = 'kit-cfn-unemulated-it';
    const template: Template = {
      Parameters: { LockDays: { Type: 'Number', Default: '0' } },
      Conditions: { Locked: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'LockDays' }, 0] }] } },
      Resources: {
        Bucket: {
          Type: 'AWS::S3::Bucket',
          Properties: { BucketName: 'kit-cfn-unemulated', ObjectLockEnabled: { 'Fn::If': ['Locked', true, { Ref: 'AWS::NoValue' }] } },
        },
      },
    };
    await createdStack(StackName, template);
    // Act
    const locking = await changeSet(StackName, template, { LockDays: '1' });
    const unchanged = await changeSet(StackName, { ...template, Outputs: { Name: { Value: { Ref: 'Bucket' } } } });
    // Assess
    expect(locking.Status).toBe('FAILED');
    expect(locking.StatusReason).toMatch(/^AWS::S3::Bucket properties not emulated by the embedded emulator: ObjectLockEnabled \(Bucket\): nothing was changed; /);
    expect(await settledStatus(StackName)).toBe('CREATE_COMPLETE');
    expect(unchanged.Status).toBe('CREATE_COMPLETE');
  });

  it('leaves out of an update a resource whose own Condition keeps it out of the stack, whatever it refers to', async () => {
    // Prepare: the absent bucket refers to the parameter that changes
    const StackName = 'kit-cfn-absent-it';
    const template: Template = {
      Parameters: { Suffix: { Type: 'String', Default: 'one' }, WithExtra: { Type: 'String', Default: 'no' } },
      Conditions: { Extra: { 'Fn::Equals': [{ Ref: 'WithExtra' }, 'yes'] } },
      Resources: {
        Kept: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'kit-cfn-absent-kept' } },
        Extra: { Type: 'AWS::S3::Bucket', Condition: 'Extra', Properties: { BucketName: { 'Fn::Sub': 'kit-cfn-absent-${Suffix}' } } },
      },
    };
    await createdStack(StackName, template);
    // Act
    const update = await changeSet(StackName, template, { Suffix: 'two' });
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: update.ChangeSetName }));
    // Assess
    expect(update.Status).toBe('CREATE_COMPLETE');
    expect((update.Changes ?? []).map((change) => change.ResourceChange?.LogicalResourceId)).not.toContain('Extra');
    expect(await settledStatus(StackName)).toBe('UPDATE_COMPLETE');
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'kit-cfn-absent-two' }))).rejects.toThrow();
  });

  it('refuses, as CloudFormation does before it changes anything, a template that names what it lacks or an attribute its resource has not', async () => {
    // Prepare: a stack that works, and templates with a typo in a Ref, a DependsOn, an output, a GetAtt and a ${Name.Attr}
    const StackName = 'kit-cfn-typo-it';
    const queue = { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'kit-cfn-typo-queue' } };
    const good: Template = {
      Parameters: { Suffix: { Type: 'String', Default: 'one' } },
      Resources: {
        Queue: queue,
        Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': ['kit-cfn-typo-${Local}', { Local: { Ref: 'Suffix' } }] }, Tags: [{ Key: 'queue', Value: { 'Fn::GetAtt': ['Queue', 'Arn'] } }] } },
      },
    };
    await createdStack(StackName, good);
    const withTypo = (resources: object, outputs?: object): Template => ({ ...good, Resources: { ...good.Resources, ...resources }, ...(outputs ? { Outputs: outputs } : {}) });
    const typos: Array<[Template, RegExp]> = [
      [withTypo({ Other: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { Ref: 'Sufix' } } } }), /^Template format error: Unresolved resource dependencies \[Sufix\] in the Resources block of the template$/],
      [withTypo({ Other: { Type: 'AWS::SQS::Queue', DependsOn: 'Queu' } }), /^Template format error: Unresolved resource dependencies \[Queu\] in the Resources block of the template$/],
      [withTypo({}, { Arn: { Value: { 'Fn::GetAtt': ['Queu', 'Arn'] } } }), /^Template format error: Unresolved resource dependencies \[Queu\] in the Outputs block of the template$/],
      [withTypo({}, { Arn: { Value: { 'Fn::GetAtt': ['Queue', 'Arnn'] } } }), /^Template error: resource Queue does not support attribute type Arnn in Fn::GetAtt \(as the embedded emulator models AWS::SQS::Queue/],
      [withTypo({}, { Arn: { Value: { 'Fn::Sub': '${Queue.Arnn}' } } }), /^Template error: resource Queue does not support attribute type Arnn in Fn::GetAtt \(as the embedded emulator models AWS::SQS::Queue/],
    ];
    // Act
    const refusals = await Promise.all(
      typos.map(([template]) =>
        cloudFormation
          .send(new CreateChangeSetCommand({ StackName, ChangeSetName: `typo-${Date.now()}`, ChangeSetType: 'UPDATE', TemplateBody: JSON.stringify(template) }))
          .then(() => 'accepted', (error: Error) => `${error.name}: ${error.message}`),
      ),
    );
    const propertyNamedDependsOn = await cloudFormation
      .send(new CreateChangeSetCommand({ StackName, ChangeSetName: `data-${Date.now()}`, ChangeSetType: 'UPDATE', TemplateBody: JSON.stringify(withTypo({ Other: { Type: 'AWS::SQS::Queue', Properties: { RedrivePolicy: { DependsOn: 'upstream-service' } } } })) }))
      .then(() => 'accepted', (error: Error) => `${error.name}: ${error.message}`);
    const created = await cloudFormation
      .send(new CreateStackCommand({ StackName: 'kit-cfn-typo-new-it', TemplateBody: JSON.stringify(typos[0]![0]) }))
      .then(() => 'accepted', (error: Error) => `${error.name}: ${error.message}`);
    // Assess: each refused with CloudFormation's words, and the stack still as it was
    refusals.forEach((refusal, index) => expect(refusal).toMatch(new RegExp(`^ValidationError: ${typos[index]![1].source.slice(1)}`)));
    expect(created).toMatch(/^ValidationError: Template format error: Unresolved resource dependencies \[Sufix\]/);
    // A property of that name is data, not a DependsOn.
    expect(propertyNamedDependsOn).toBe('accepted');
    expect(await settledStatus(StackName)).toBe('CREATE_COMPLETE');
  });

  it('refuses a template body it cannot read as CloudFormation does, a ValidationError that says where, in every operation that takes one', async () => {
    // Prepare: a stack to update, and bodies that are neither YAML nor JSON, or no mapping
    const StackName = 'kit-cfn-unreadable-it';
    await createdStack(StackName, { Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: `${StackName}-topic` } } } });
    const bodies = [
      ['Resources:\n  Topic:\n\tType: AWS::SNS::Topic\n', 'YAML not well-formed. (line 3, column 1)'],
      ['Resources:\n  Topic: {Type: AWS::SNS::Topic, Properties: [\n', 'YAML not well-formed. (line 3, column 1)'],
      ['{"Resources": {,}}', 'JSON not well-formed. (line 1, column 16)'],
      ['just text', 'unsupported structure.'],
    ];
    // (one try: a 500 is retried by the SDK, a ValidationError is not)
    const answer = (request: Promise<unknown>) => request.then(() => 'answered', (error: Error & { $metadata?: { attempts?: number } }) => `${error.name}: ${error.message} (${error.$metadata?.attempts} try)`);
    for (const [TemplateBody, problem] of bodies) {
      // Act
      const answers = [
        await answer(cloudFormation.send(new CreateStackCommand({ StackName: 'kit-cfn-unreadable-new-it', TemplateBody }))),
        await answer(cloudFormation.send(new CreateChangeSetCommand({ StackName: 'kit-cfn-unreadable-new-it', ChangeSetName: 'unreadable', ChangeSetType: 'CREATE', TemplateBody }))),
        await answer(cloudFormation.send(new CreateChangeSetCommand({ StackName, ChangeSetName: 'unreadable', ChangeSetType: 'UPDATE', TemplateBody }))),
        await answer(cloudFormation.send(new UpdateStackCommand({ StackName, TemplateBody }))),
      ];
      // Assess
      expect(answers).toEqual(Array(4).fill(`ValidationError: Template format error: ${problem} (1 try)`));
    }
    const stacks = (await cloudFormation.send(new DescribeStacksCommand({}))).Stacks ?? [];
    expect(stacks.filter((stack) => stack.StackName?.startsWith('kit-cfn-unreadable')).map((stack) => [stack.StackName, stack.StackStatus])).toEqual([[StackName, 'CREATE_COMPLETE']]);
  });

  it("answers ValidateTemplate with the template's problem, as CloudFormation does, and accepts a template that has only warnings", async () => {
    // Prepare
    const validate = (template: Template) =>
      cloudFormation.send(new ValidateTemplateCommand({ TemplateBody: JSON.stringify(template) }))
        .then((valid) => `valid: ${valid.Description}`, (error: Error) => `${error.name}: ${error.message}`);
    // Act
    const answers = await Promise.all([
      validate({ Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { Ref: 'Missing' } } } } }),
      validate({ Resources: { Topic: { Type: 'AWS::SNS::Topicc' } } }),
      validate({ Description: 'an unused parameter', Parameters: { Unused: { Type: 'String', Default: 'x' } }, Resources: { Topic: { Type: 'AWS::SNS::Topic' } } } as Template),
    ]);
    // Assess
    expect(answers).toEqual([
      'ValidationError: Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template',
      "ValidationError: Resource type 'AWS::SNS::Topicc' does not exist in 'us-east-1'",
      'valid: an unused parameter',
    ]);
  });

  it('reads a TemplateURL only in S3\'s shapes, from its own buckets, and refuses the others, an object not there and a body too long as CloudFormation does', async () => {
    // Prepare: a bucket holding a good template and an unreadable one
    const Bucket = 'kit-cfn-template-url';
    await s3.send(new CreateBucketCommand({ Bucket }));
    const queue = (name: string) => `Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: ${name}\n`;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'dir/good.yaml', Body: queue('kit-cfn-url-queue') }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'tabbed.yaml', Body: 'Resources:\n\tQueue:\n  Type: AWS::SQS::Queue\n' }));
    const create = (StackName: string, request: { TemplateURL?: string; TemplateBody?: string }) =>
      cloudFormation.send(new CreateStackCommand({ StackName, ...request })).then(() => 'created', (error: Error) => `${error.name}: ${error.message}`);
    // Act
    const answers = [
      await create('kit-cfn-url-virtual-it', { TemplateURL: `https://${Bucket}.s3.amazonaws.com/dir/good.yaml` }),
      await create('kit-cfn-url-unreadable-it', { TemplateURL: `https://${Bucket}.s3.us-east-1.amazonaws.com/tabbed.yaml` }),
      await create('kit-cfn-url-missing-it', { TemplateURL: `https://s3.us-east-1.amazonaws.com/${Bucket}/missing.yaml` }),
      await create('kit-cfn-url-local-it', { TemplateURL: `http://127.0.0.1:4566/${Bucket}/dir/good.yaml` }),
      await create('kit-cfn-url-long-it', { TemplateBody: `Description: ${'x'.repeat(51_200)}\n${queue('kit-cfn-url-long')}` }),
    ];
    // Assess
    expect(answers).toEqual([
      'created',
      'ValidationError: Template format error: YAML not well-formed. (line 2, column 1)',
      'ValidationError: S3 error: The specified key does not exist.\nFor more information check http://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html',
      'ValidationError: TemplateURL must be an Amazon S3 URL (on the emulator too: https://<bucket>.s3.amazonaws.com/<key>, which it reads from its own buckets)',
      "ValidationError: 1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200",
    ]);
    expect(await settledStatus('kit-cfn-url-virtual-it')).toBe('CREATE_COMPLETE');
    await cloudFormation.send(new DeleteStackCommand({ StackName: 'kit-cfn-url-virtual-it' }));
  });

  it("describes in ValidateTemplate the kit's parameters and the capability its role requires, as CloudFormation does", async () => {
    // Prepare
    const TemplateBody = await readTemplateText();
    // Act
    const described = await cloudFormation.send(new ValidateTemplateCommand({ TemplateBody }));
    const named = await cloudFormation.send(new ValidateTemplateCommand({ TemplateBody: JSON.stringify({ Resources: { Role: namedRole('kit-cfn-validate-role') } }) }));
    // Assess
    expect(described.Parameters?.find((parameter) => parameter.ParameterKey === 'NamePrefix')).toEqual({
      ParameterKey: 'NamePrefix',
      DefaultValue: 'backup-kit',
      NoEcho: false,
      Description: 'Prefix of every resource name; bucket names add the account id and region.',
    });
    expect(described.Parameters?.find((parameter) => parameter.ParameterKey === 'ArtifactKey')).not.toHaveProperty('DefaultValue');
    expect([described.Capabilities, described.CapabilitiesReason]).toEqual([['CAPABILITY_IAM'], 'The following resource(s) require capabilities: [AWS::IAM::Role]']);
    expect(named.Capabilities).toEqual(['CAPABILITY_NAMED_IAM']);
  });

  it('keeps a resource with DeletionPolicy Retain that an update leaves out of the template, and deletes one without', async () => {
    // Prepare
    const StackName = 'kit-cfn-retain-it';
    const kept = { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain', Properties: { BucketName: 'kit-cfn-retain-kept' } };
    const dropped = { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'kit-cfn-retain-dropped' } };
    const stays = { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'kit-cfn-retain-stays' } };
    await createdStack(StackName, { Resources: { Kept: kept, Dropped: dropped, Stays: stays } });
    // Act
    const update = await changeSet(StackName, { Resources: { Stays: stays } });
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: update.ChangeSetName }));
    // Assess
    expect(await settledStatus(StackName)).toBe('UPDATE_COMPLETE');
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'kit-cfn-retain-kept' }))).resolves.toBeDefined();
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'kit-cfn-retain-dropped' }))).rejects.toThrow();
  });

  it("deletes a stack's other change sets when one is executed, and executes none twice, as CloudFormation does", async () => {
    // Prepare: two change sets made from the same stack, as two deploys at once make them
    const StackName = 'kit-cfn-stale-it';
    const template: Template = {
      Parameters: { Retention: { Type: 'Number', Default: 7 } },
      Resources: { Group: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/kit/${StackName}`, RetentionInDays: { Ref: 'Retention' } } } },
    };
    await createdStack(StackName, template);
    const first = await changeSet(StackName, template, { Retention: '14' });
    const second = await changeSet(StackName, template, { Retention: '30' });
    const execute = (ChangeSetName?: string) =>
      cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName })).then(() => 'executed', (error: Error) => `${error.name}: ${error.message}`);
    // Act
    const executed = await execute(first.ChangeSetName);
    const stale = await execute(second.ChangeSetName);
    const again = await execute(first.ChangeSetName);
    // Assess
    expect([executed, await settledStatus(StackName)]).toEqual(['executed', 'UPDATE_COMPLETE']);
    expect(stale).toBe(`ChangeSetNotFoundException: ChangeSet [${second.ChangeSetName}] does not exist`);
    expect(again).toBe(`InvalidChangeSetStatusException: ChangeSet [${first.ChangeSetId}] cannot be executed in its current status of [EXECUTE_COMPLETE]`);
    const retention = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/kit/${StackName}` }))).logGroups?.[0]?.retentionInDays;
    expect(retention).toBe(14);
  });

  it('gives a parameter an update leaves out its default, and one sent with UsePreviousValue the value the stack uses, as CloudFormation does', async () => {
    // Prepare: two log groups whose retentions are parameters, both set at the create
    const StackName = 'kit-cfn-previous-it';
    const template: Template = {
      Parameters: { First: { Type: 'Number', Default: 7 }, Second: { Type: 'Number', Default: 14 } },
      Resources: {
        FirstGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/kit/${StackName}/first`, RetentionInDays: { Ref: 'First' } } },
        SecondGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/kit/${StackName}/second`, RetentionInDays: { Ref: 'Second' } } },
      },
    };
    await createdStack(StackName, template, { First: '30', Second: '60' });
    const retentions = async () => {
      const groups = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/kit/${StackName}/` }))).logGroups ?? [];
      const parameters = (await cloudFormation.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0]?.Parameters ?? [];
      return {
        live: groups.map((group) => `${group.logGroupName?.split('/').pop()}=${group.retentionInDays}`),
        stack: parameters.map((parameter) => `${parameter.ParameterKey}=${parameter.ParameterValue}`).sort(),
      };
    };
    // Act, Assess: an update that sends no parameter
    await cloudFormation.send(new UpdateStackCommand({ StackName, UsePreviousTemplate: true, Parameters: [] }));
    expect(await settledStatus(StackName)).toBe('UPDATE_COMPLETE');
    expect(await retentions()).toEqual({ live: ['first=7', 'second=14'], stack: ['First=7', 'Second=14'] });
    // Act, Assess: the previous value of a parameter that took its default
    await cloudFormation.send(new UpdateStackCommand({
      StackName, UsePreviousTemplate: true, Parameters: [{ ParameterKey: 'First', UsePreviousValue: true }, { ParameterKey: 'Second', ParameterValue: '30' }],
    }));
    expect(await settledStatus(StackName)).toBe('UPDATE_COMPLETE');
    expect(await retentions()).toEqual({ live: ['first=7', 'second=30'], stack: ['First=7', 'Second=30'] });
    // Act, Assess: a change set that sends no parameter
    const update = await changeSet(StackName, template);
    expect(update.Changes?.map((change) => change.ResourceChange?.LogicalResourceId)).toEqual(['SecondGroup']);
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: update.ChangeSetName }));
    expect(await settledStatus(StackName)).toBe('UPDATE_COMPLETE');
    expect(await retentions()).toEqual({ live: ['first=7', 'second=14'], stack: ['First=7', 'Second=14'] });
  });

  it("reads a change set's UsePreviousValue as an update does: a list parameter's value as sent, and a key the previous template lacks refused", async () => {
    // Prepare: a log group named from a CommaDelimitedList, whose retention is another parameter
    const StackName = 'kit-cfn-previous-list-it';
    const template: Template = {
      Parameters: { Names: { Type: 'CommaDelimitedList' }, Retention: { Type: 'Number', Default: 7 } },
      Resources: {
        Group: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: { 'Fn::Join': ['/', ['', 'kit', StackName, { 'Fn::Select': [1, { Ref: 'Names' }] }]] }, RetentionInDays: { Ref: 'Retention' } } },
      },
    };
    await createdStack(StackName, template, { Names: 'first,second' });
    const create = (ChangeSetName: string, sent: Template, Parameters: { ParameterKey: string; ParameterValue?: string; UsePreviousValue?: boolean }[]) =>
      cloudFormation.send(new CreateChangeSetCommand({ StackName, ChangeSetName, ChangeSetType: 'UPDATE', TemplateBody: JSON.stringify(sent), Parameters }));
    // Act, Assess: a key the previous template did not declare is refused, naming it
    const widened: Template = { ...template, Parameters: { ...template.Parameters, Added: { Type: 'String', Default: 'a' } } };
    await expect(create('previous-added', widened, [{ ParameterKey: 'Added', UsePreviousValue: true }])).rejects.toThrow(
      'Invalid input for parameter key Added. Cannot specify usePreviousValue as true for a parameter key not in the previous template',
    );
    // Act: the list's previous value, with a new retention
    await create('previous-list', template, [{ ParameterKey: 'Names', UsePreviousValue: true }, { ParameterKey: 'Retention', ParameterValue: '14' }]);
    await waitFor('the change set', async () => {
      const described = await cloudFormation.send(new DescribeChangeSetCommand({ StackName, ChangeSetName: 'previous-list' }));
      return described.Status === 'CREATE_COMPLETE' ? described : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100 });
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: 'previous-list' }));
    // Assess
    expect(await settledStatus(StackName)).toBe('UPDATE_COMPLETE');
    const groups = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/kit/${StackName}/` }))).logGroups ?? [];
    expect(groups.map((group) => `${group.logGroupName}=${group.retentionInDays}`)).toEqual([`/kit/${StackName}/second=14`]);
  });

  it('reads a change set without ChangeSetType as an UPDATE of the stack of that name, as CloudFormation does, and makes no second stack', async () => {
    // Prepare
    const StackName = 'kit-cfn-untyped-it';
    const template = (retention: number): Template => ({
      Resources: { Group: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/kit/${StackName}`, RetentionInDays: retention } } },
    });
    await createdStack(StackName, template(7));
    const create = (name: string, ChangeSetName: string, ChangeSetType?: 'CREATE') =>
      cloudFormation.send(new CreateChangeSetCommand({ StackName: name, ChangeSetName, ChangeSetType, TemplateBody: JSON.stringify(template(14)) }))
        .then(() => 'created', (error: Error) => `${error.name}: ${error.message}`);
    // Act
    const untyped = await create(StackName, 'untyped');
    const ofNoStack = await create('kit-cfn-untyped-none-it', 'untyped');
    const secondCreate = await create(StackName, 'again', 'CREATE');
    // Assess
    expect([untyped, ofNoStack, secondCreate]).toEqual([
      'created',
      'ValidationError: Stack [kit-cfn-untyped-none-it] does not exist',
      `ValidationError: Stack [${StackName}] already exists and cannot be created again with the changeSet [again].`,
    ]);
    const stacks = (await cloudFormation.send(new DescribeStacksCommand({}))).Stacks ?? [];
    expect(stacks.filter((stack) => stack.StackName === StackName || stack.StackName === 'kit-cfn-untyped-none-it').map((stack) => stack.StackStatus)).toEqual(['CREATE_COMPLETE']);
    const described = await cloudFormation.send(new DescribeChangeSetCommand({ StackName, ChangeSetName: 'untyped' }));
    expect(described.Changes?.map((change) => [change.ResourceChange?.Action, change.ResourceChange?.LogicalResourceId])).toEqual([['Modify', 'Group']]);
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: 'untyped' }));
    expect(await settledStatus(StackName)).toBe('UPDATE_COMPLETE');
    const retention = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/kit/${StackName}` }))).logGroups?.[0]?.retentionInDays;
    expect(retention).toBe(14);
  });

  it('shows the parameters as CloudFormation does: a NoEcho value as ****, a list as the text sent, in DescribeStacks and DescribeChangeSet', async () => {
    // Prepare
    const StackName = 'kit-cfn-shown-parameters-it';
    const template: Template = {
      Parameters: { Secret: { Type: 'String', NoEcho: true }, Names: { Type: 'CommaDelimitedList' }, Retention: { Type: 'Number', Default: 7 } },
      Resources: { Group: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: { 'Fn::Join': ['/', ['', 'kit', StackName, { 'Fn::Select': [1, { Ref: 'Names' }] }]] }, RetentionInDays: { Ref: 'Retention' } } } },
    };
    const shown = (parameters: { ParameterKey?: string; ParameterValue?: string }[] = []) => parameters.map((p) => `${p.ParameterKey}=${p.ParameterValue}`).sort();
    // Act
    await createdStack(StackName, template, { Secret: 'hunter2', Names: 'first,second' });
    const stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0];
    const update = await changeSet(StackName, template, { Secret: 'hunter3', Names: 'first,third' });
    // Assess
    expect(shown(stack?.Parameters)).toEqual(['Names=first,second', 'Retention=7', 'Secret=****']);
    expect(shown(update.Parameters)).toEqual(expect.arrayContaining(['Names=first,third', 'Secret=****']));
    expect(shown(update.Parameters).join(' ')).not.toContain('hunter');
  });

  it('refuses a second change set of a name the stack has already, as CloudFormation does, and keeps the first', async () => {
    // Prepare
    const StackName = 'kit-cfn-same-change-set-it';
    const template = (retention: number): Template => ({
      Resources: { Group: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/kit/${StackName}`, RetentionInDays: retention } } },
    });
    await createdStack(StackName, template(7));
    const create = (retention: number) =>
      cloudFormation.send(new CreateChangeSetCommand({ StackName, ChangeSetName: 'same', ChangeSetType: 'UPDATE', TemplateBody: JSON.stringify(template(retention)) }))
        .then(() => 'created', (error: Error) => `${error.name}: ${error.message}`);
    // Act
    const outcomes = [await create(14), await create(30)];
    // Assess
    expect(outcomes).toEqual(['created', 'AlreadyExistsException: ChangeSet same already exists']);
    const listed = (await cloudFormation.send(new ListChangeSetsCommand({ StackName }))).Summaries ?? [];
    expect(listed.map((summary) => summary.ChangeSetName)).toEqual(['same']);
    await waitFor('the change set', async () => {
      const described = await cloudFormation.send(new DescribeChangeSetCommand({ StackName, ChangeSetName: 'same' }));
      return described.Status === 'CREATE_COMPLETE' ? described : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100 });
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: 'same' }));
    expect(await settledStatus(StackName)).toBe('UPDATE_COMPLETE');
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/kit/${StackName}` }))).logGroups?.[0]?.retentionInDays).toBe(14);
  });

  it('refuses an UpdateStack UsePreviousValue for a key the previous template lacks in CloudFormation\'s words, and changes nothing', async () => {
    // Prepare
    const StackName = 'kit-cfn-update-previous-added-it';
    const template: Template = {
      Parameters: { Retention: { Type: 'Number', Default: 7 } },
      Resources: { Group: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/kit/${StackName}`, RetentionInDays: { Ref: 'Retention' } } } },
    };
    await createdStack(StackName, template);
    const widened: Template = { ...template, Parameters: { ...template.Parameters, Added: { Type: 'String', Default: 'a' } } };
    // Act
    const update = cloudFormation.send(new UpdateStackCommand({
      StackName, TemplateBody: JSON.stringify(widened), Parameters: [{ ParameterKey: 'Retention', ParameterValue: '14' }, { ParameterKey: 'Added', UsePreviousValue: true }],
    }));
    // Assess
    await expect(update).rejects.toThrow('Invalid input for parameter key Added. Cannot specify usePreviousValue as true for a parameter key not in the previous template');
    expect(await settledStatus(StackName)).toBe('CREATE_COMPLETE');
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/kit/${StackName}` }))).logGroups?.[0]?.retentionInDays).toBe(7);
  });

  it("shows the outputs of the template a change set brought, not the stack's earlier ones", async () => {
    // Prepare
    const StackName = 'kit-cfn-outputs-it';
    const resources = { Kept: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'kit-cfn-outputs-kept' } } };
    await createdStack(StackName, { Resources: resources, Outputs: { First: { Value: 'one' } } });
    // Act
    const update = await changeSet(StackName, { Resources: resources, Outputs: { First: { Value: 'one' }, Second: { Value: { Ref: 'Kept' } } } });
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: update.ChangeSetName }));
    // Assess
    expect(await settledStatus(StackName)).toBe('UPDATE_COMPLETE');
    const outputs = (await cloudFormation.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0]?.Outputs ?? [];
    expect(Object.fromEntries(outputs.map((output) => [output.OutputKey, output.OutputValue]))).toEqual({ First: 'one', Second: 'kit-cfn-outputs-kept' });
  });
});

describe("the embedded emulator's CloudFormation change sets of one name in two stacks", () => {
  it('finds a change set by name only in the stack named, and by ARN in any, as CloudFormation does: the one executed updates its own stack', async () => {
    // Prepare: two stacks, each with a change set of the same name that adds a topic
    const ChangeSetName = 'kit-same-name';
    const stacks = ['kit-cfn-scope-a-it', 'kit-cfn-scope-b-it'] as const;
    const topics = (StackName: string, ...names: string[]): Template => ({
      Resources: Object.fromEntries(names.map((name) => [name, { Type: 'AWS::SNS::Topic', Properties: { TopicName: `${StackName}-${name}` } }])),
    });
    const made = async (StackName: string) => {
      const { Id } = await cloudFormation.send(new CreateChangeSetCommand({ StackName, ChangeSetName, ChangeSetType: 'UPDATE', TemplateBody: JSON.stringify(topics(StackName, 'Kept', 'Added')) }));
      return Id;
    };
    const answer = (request: Promise<unknown>) => request.then(() => 'answered', (error: Error) => `${error.name}: ${error.message}`);
    const listed = async (StackName: string) =>
      ((await cloudFormation.send(new ListChangeSetsCommand({ StackName }))).Summaries ?? []).map((summary) => `${summary.StackName} ${summary.ChangeSetId}`);
    const resources = async (StackName: string) =>
      ((await cloudFormation.send(new DescribeStackResourcesCommand({ StackName }))).StackResources ?? []).map((resource) => resource.LogicalResourceId).sort();
    const [a, b] = stacks;
    for (const StackName of stacks) await createdStack(StackName, topics(StackName, 'Kept'));
    const aId = await made(a);
    let bId = await made(b);
    // Act, Assess: described and listed within the stack named
    const described = await cloudFormation.send(new DescribeChangeSetCommand({ StackName: b, ChangeSetName }));
    expect([described.StackName, described.ChangeSetId]).toEqual([b, bId]);
    expect(await listed(b)).toEqual([`${b} ${bId}`]);
    expect(await answer(cloudFormation.send(new DescribeChangeSetCommand({ ChangeSetName })))).toBe(
      'ValidationError: StackName must be specified if ChangeSetName is not specified as an ARN.',
    );
    expect((await cloudFormation.send(new DescribeChangeSetCommand({ ChangeSetName: aId }))).StackName).toBe(a);
    // Act, Assess: deleted within the stack named
    await cloudFormation.send(new DeleteChangeSetCommand({ StackName: b, ChangeSetName }));
    expect([await listed(a), await listed(b)]).toEqual([[`${a} ${aId}`], []]);
    // Act, Assess: executed within the stack named, the other stack's change set left as it was
    bId = await made(b);
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName: a, ChangeSetName }));
    expect(await settledStatus(a)).toBe('UPDATE_COMPLETE');
    expect([await resources(a), await resources(b)]).toEqual([['Added', 'Kept'], ['Kept']]);
    expect((await cloudFormation.send(new DescribeChangeSetCommand({ StackName: b, ChangeSetName }))).ExecutionStatus).toBe('AVAILABLE');
    await cloudFormation.send(new ExecuteChangeSetCommand({ ChangeSetName: bId }));
    expect(await settledStatus(b)).toBe('UPDATE_COMPLETE');
    expect(await resources(b)).toEqual(['Added', 'Kept']);
  });
});

describe("the embedded emulator's CloudFormation creates", () => {
  it('creates one stack of a name when two CreateStack of it arrive at once, and refuses the other as CloudFormation does', async () => {
    // Prepare: a template that takes a while to read (YAML, long: past a TemplateBody's 51,200 bytes, so at a URL), so
    // that the two requests overlap
    const StackName = 'kit-cfn-twice-it';
    const notes = Array.from({ length: 1500 }, (_, index) => `    note${index}: "a line of text that only makes the template longer"`).join('\n');
    const Bucket = 'kit-cfn-twice-templates';
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'long.yaml', Body: `Metadata:\n  Notes:\n${notes}\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: ${StackName}\n` }));
    const TemplateURL = `https://${Bucket}.s3.amazonaws.com/long.yaml`;
    // Act
    const outcomes = await Promise.allSettled([0, 1].map(() => cloudFormation.send(new CreateStackCommand({ StackName, TemplateURL }))));
    // Assess
    const named = ((await cloudFormation.send(new DescribeStacksCommand({}))).Stacks ?? []).filter((stack) => stack.StackName === StackName);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [`${(outcome.reason as Error).name}: ${(outcome.reason as Error).message}`] : []))).toEqual([
      `AlreadyExistsException: Stack ${StackName} already exists`,
    ]);
    expect(named.map((stack) => stack.StackStatus)).toEqual(['CREATE_COMPLETE']);
  });

  it('fails a bucket policy on a bucket that has one already, as CloudFormation does, and leaves that policy alone', async () => {
    // Prepare: a bucket whose policy was put on by hand
    const Bucket = 'kit-cfn-policy-kept';
    const byHand = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'ByHand', Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: `arn:aws:s3:::${Bucket}` }] });
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: byHand }));
    const StackName = 'kit-cfn-policy-it';
    const template: Template = {
      Resources: {
        Policy: {
          Type: 'AWS::S3::BucketPolicy',
          Properties: { Bucket, PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `arn:aws:s3:::${Bucket}/*`, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] } },
        },
      },
    };
    // Act
    await cloudFormation.send(new CreateStackCommand({ StackName, TemplateBody: JSON.stringify(template) }));
    // Assess
    expect(await settledStatus(StackName)).toBe('ROLLBACK_COMPLETE');
    const events = (await cloudFormation.send(new DescribeStackEventsCommand({ StackName }))).StackEvents ?? [];
    expect(events.find((event) => event.ResourceStatus === 'CREATE_FAILED' && event.LogicalResourceId === 'Policy')?.ResourceStatusReason).toBe(
      `The bucket policy already exists on bucket ${Bucket}.`,
    );
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy).toBe(byHand);
  });

  it("sets a topic's access policy from AWS::SNS::TopicPolicy, and gives the topic SNS's default back when an update removes it", async () => {
    // Prepare
    const StackName = 'kit-cfn-topic-policy-it';
    const topic = { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'kit-cfn-topic-policy' } };
    const document = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'AlarmPublishes', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: { Ref: 'Topic' } }],
    };
    const policy = { Type: 'AWS::SNS::TopicPolicy', Properties: { Topics: [{ Ref: 'Topic' }], PolicyDocument: document } };
    const TopicArn = 'arn:aws:sns:us-east-1:123456789012:kit-cfn-topic-policy';
    const policyOfTopic = async () => JSON.parse((await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes?.Policy ?? '{}') as { Statement?: { Sid?: string }[] };
    // Act
    await createdStack(StackName, { Resources: { Topic: topic, Policy: policy } });
    const created = await policyOfTopic();
    const update = await changeSet(StackName, { Resources: { Topic: topic } });
    await cloudFormation.send(new ExecuteChangeSetCommand({ StackName, ChangeSetName: update.ChangeSetName }));
    // Assess
    expect(created).toEqual({ ...document, Statement: [{ ...document.Statement[0], Resource: TopicArn }] });
    expect(await settledStatus(StackName)).toBe('UPDATE_COMPLETE');
    expect((await policyOfTopic()).Statement?.map((statement) => statement.Sid)).toEqual(['__default_statement_ID']);
  });
});

describe("the embedded emulator's CloudFormation capabilities", () => {
  it('refuses a stack, a change set or an update whose IAM resources the request does not acknowledge, as CloudFormation does', async () => {
    // Prepare: a role without a name of its own needs CAPABILITY_IAM; a named one CAPABILITY_NAMED_IAM
    const StackName = 'kit-cfn-capabilities-it';
    const unnamed = JSON.stringify({ Resources: { Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: lambdaTrust } } } });
    const named = JSON.stringify({ Resources: { Role: namedRole('kit-cfn-capabilities-role') } });
    const refusal = (request: Promise<unknown>) => request.then(() => 'accepted', (error: Error) => `${error.name}: ${error.message}`);
    // Act
    const answers = {
      createWithout: await refusal(cloudFormation.send(new CreateStackCommand({ StackName, TemplateBody: unnamed }))),
      changeSetWithout: await refusal(cloudFormation.send(new CreateChangeSetCommand({ StackName, ChangeSetName: 'without', ChangeSetType: 'CREATE', TemplateBody: unnamed }))),
      namedWithIam: await refusal(cloudFormation.send(new CreateStackCommand({ StackName, TemplateBody: named, Capabilities: ['CAPABILITY_IAM'] }))),
      createWith: await refusal(cloudFormation.send(new CreateStackCommand({ StackName, TemplateBody: unnamed, Capabilities: ['CAPABILITY_IAM'] }))),
      namedWithNamed: await refusal(cloudFormation.send(new CreateStackCommand({ StackName: `${StackName}-named`, TemplateBody: named, Capabilities: ['CAPABILITY_NAMED_IAM'] }))),
    };
    await settledStatus(StackName);
    const updates = {
      previousWithout: await refusal(cloudFormation.send(new UpdateStackCommand({ StackName, UsePreviousTemplate: true }))),
      namedWithIam: await refusal(cloudFormation.send(new UpdateStackCommand({ StackName, TemplateBody: named, Capabilities: ['CAPABILITY_IAM'] }))),
    };
    // Assess
    expect(answers).toEqual({
      createWithout: 'InsufficientCapabilitiesException: Requires capabilities : [CAPABILITY_IAM]',
      changeSetWithout: 'InsufficientCapabilitiesException: Requires capabilities : [CAPABILITY_IAM]',
      namedWithIam: 'InsufficientCapabilitiesException: Requires capabilities : [CAPABILITY_NAMED_IAM]',
      createWith: 'accepted',
      namedWithNamed: 'accepted',
    });
    expect(updates).toEqual({
      previousWithout: 'InsufficientCapabilitiesException: Requires capabilities : [CAPABILITY_IAM]',
      namedWithIam: 'InsufficientCapabilitiesException: Requires capabilities : [CAPABILITY_NAMED_IAM]',
    });
    expect([await settledStatus(StackName), await settledStatus(`${StackName}-named`)]).toEqual(['CREATE_COMPLETE', 'CREATE_COMPLETE']);
    await Promise.all([StackName, `${StackName}-named`].map((name) => cloudFormation.send(new DeleteStackCommand({ StackName: name }))));
  });
});

describe("the embedded emulator's CloudFormation deletes", () => {
  it('a resource only after those that depend on it, and keeps what a resource that failed to delete depends on', async () => {
    // Prepare: a bucket that depends on a queue and holds an object (its delete fails), and a queue nothing needs
    const StackName = 'kit-cfn-delete-order-it';
    await createdStack(StackName, {
      Resources: {
        Needed: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'kit-cfn-delete-needed' } },
        Holding: { Type: 'AWS::S3::Bucket', DependsOn: 'Needed', Properties: { BucketName: 'kit-cfn-delete-holding', Tags: [{ Key: 'queue', Value: { Ref: 'Needed' } }] } },
        Alone: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'kit-cfn-delete-alone' } },
      },
    });
    await s3.send(new PutObjectCommand({ Bucket: 'kit-cfn-delete-holding', Key: 'kept.txt', Body: 'kept' }));
    // Act
    await cloudFormation.send(new DeleteStackCommand({ StackName }));
    // Assess
    const exists = (QueueName: string) => sqs.send(new GetQueueUrlCommand({ QueueName })).then(() => true, () => false);
    expect(await settledStatus(StackName)).toBe('DELETE_FAILED');
    expect({ needed: await exists('kit-cfn-delete-needed'), alone: await exists('kit-cfn-delete-alone') }).toEqual({ needed: true, alone: false });
  });

  it("reports each resource's delete as CloudFormation does, and names the one that failed in the stack's reason", async () => {
    // Prepare: a bucket that holds an object (its delete fails) and a queue nothing needs
    const StackName = 'kit-cfn-delete-events-it';
    await createdStack(StackName, {
      Resources: {
        Holding: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'kit-cfn-delete-events-holding' } },
        Alone: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'kit-cfn-delete-events-alone' } },
      },
    });
    await s3.send(new PutObjectCommand({ Bucket: 'kit-cfn-delete-events-holding', Key: 'kept.txt', Body: 'kept' }));
    // Act
    await cloudFormation.send(new DeleteStackCommand({ StackName }));
    const status = await settledStatus(StackName);
    // Assess: before, the delete reported no resource's events, and its reason named no resource (a role's
    // "DeleteConflict: Cannot delete entity, must detach all policies first." left the owner guessing which)
    const events = ((await cloudFormation.send(new DescribeStackEventsCommand({ StackName }))).StackEvents ?? []).reverse();
    const deletes = events.filter((event) => event.ResourceStatus?.startsWith('DELETE_') && event.LogicalResourceId !== StackName);
    expect(status).toBe('DELETE_FAILED');
    expect(deletes.map((event) => `${event.LogicalResourceId} ${event.ResourceStatus}`)).toEqual([
      'Alone DELETE_IN_PROGRESS',
      'Alone DELETE_COMPLETE',
      'Holding DELETE_IN_PROGRESS',
      'Holding DELETE_FAILED',
    ]);
    expect(deletes.at(-1)?.ResourceStatusReason).toBe(
      'The bucket you tried to delete is not empty. (bucket kit-cfn-delete-events-holding)',
    );
    const described = (await cloudFormation.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0];
    expect(described?.StackStatusReason).toBe(
      'The following resource(s) failed to delete: [Holding]. The bucket you tried to delete is not empty. (bucket kit-cfn-delete-events-holding)',
    );
  });

  it('counts a resource already deleted outside CloudFormation as deleted, as a delete handler answers NotFound, so that the stack can go', async () => {
    // Prepare: the stack's bucket and one of its queues deleted by hand
    const StackName = 'kit-cfn-delete-gone-it';
    await createdStack(StackName, {
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'kit-cfn-delete-gone-queue' } },
        Bucket: { Type: 'AWS::S3::Bucket', DependsOn: 'Queue', Properties: { BucketName: 'kit-cfn-delete-gone-bucket' } },
        Other: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'kit-cfn-delete-gone-other' } },
      },
    });
    await s3.send(new DeleteBucketCommand({ Bucket: 'kit-cfn-delete-gone-bucket' }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: (await sqs.send(new GetQueueUrlCommand({ QueueName: 'kit-cfn-delete-gone-queue' }))).QueueUrl }));
    // Act
    await cloudFormation.send(new DeleteStackCommand({ StackName }));
    // Assess: the stack is gone (DescribeStacks by name no longer finds it), the queue left by hand with it
    const status = await waitFor(
      `${StackName} to settle`,
      async () => {
        const found = await cloudFormation.send(new DescribeStacksCommand({ StackName })).then((described) => described.Stacks?.[0]?.StackStatus, () => 'gone');
        return found === undefined || found.endsWith('_IN_PROGRESS') ? undefined : found;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(status).toBe('gone');
    expect(await sqs.send(new GetQueueUrlCommand({ QueueName: 'kit-cfn-delete-gone-other' })).then(() => true, () => false)).toBe(false);
  });
});

describe("the embedded emulator's CloudFormation stack resources", () => {
  it('lists only the resources the stack has, and finds one by its logical or physical id, as CloudFormation does', async () => {
    // Prepare: a resource a Condition keeps out of the stack, listed in the template before the one the stack has
    const StackName = 'kit-cfn-stack-resources-it';
    await createdStack(StackName, {
      Conditions: { Never: { 'Fn::Equals': ['a', 'b'] } },
      Resources: {
        LeftOut: { Type: 'AWS::SNS::Topic', Condition: 'Never', Properties: { TopicName: `${StackName}-left-out` } },
        Kept: { Type: 'AWS::SNS::Topic', Properties: { TopicName: `${StackName}-kept` } },
      },
    });
    const TopicArn = ((await sns.send(new ListTopicsCommand({}))).Topics ?? []).map((topic) => topic.TopicArn).find((arn) => arn?.endsWith(`:${StackName}-kept`));
    const summary = (r: { LogicalResourceId?: string; PhysicalResourceId?: string; ResourceType?: string }) => [r.LogicalResourceId, r.PhysicalResourceId, r.ResourceType];
    const kept = ['Kept', TopicArn, 'AWS::SNS::Topic'];
    const refusal = (request: Promise<unknown>) => request.then(() => 'answered', (error: Error) => `${error.name}: ${error.message}`);
    // Act
    const all = (await cloudFormation.send(new DescribeStackResourcesCommand({ StackName }))).StackResources ?? [];
    const byLogicalId = (await cloudFormation.send(new DescribeStackResourcesCommand({ StackName, LogicalResourceId: 'Kept' }))).StackResources ?? [];
    const leftOut = (await cloudFormation.send(new DescribeStackResourcesCommand({ StackName, LogicalResourceId: 'LeftOut' }))).StackResources ?? [];
    const byPhysicalId = (await cloudFormation.send(new DescribeStackResourcesCommand({ PhysicalResourceId: TopicArn }))).StackResources ?? [];
    const listed = (await cloudFormation.send(new ListStackResourcesCommand({ StackName }))).StackResourceSummaries ?? [];
    const one = (await cloudFormation.send(new DescribeStackResourceCommand({ StackName, LogicalResourceId: 'Kept' }))).StackResourceDetail;
    // Assess
    expect(all.map(summary)).toEqual([kept]);
    expect(byLogicalId.map(summary)).toEqual([kept]);
    expect(leftOut).toEqual([]);
    expect(byPhysicalId.map((r) => [r.StackName, ...summary(r)])).toEqual([[StackName, ...kept]]);
    expect(listed.map(summary)).toEqual([kept]);
    expect(one && summary(one)).toEqual(kept);
    expect(await refusal(cloudFormation.send(new DescribeStackResourceCommand({ StackName, LogicalResourceId: 'LeftOut' })))).toBe(
      `ValidationError: Resource LeftOut does not exist for stack ${StackName}`,
    );
    expect(await refusal(cloudFormation.send(new DescribeStackResourcesCommand({ PhysicalResourceId: 'no-such-resource' })))).toBe(
      'ValidationError: Stack for no-such-resource does not exist',
    );
  });
});
