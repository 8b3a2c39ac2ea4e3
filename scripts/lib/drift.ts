import { GetEventSelectorsCommand, GetTrailCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetRoleCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand, GetPolicyCommand, type FunctionConfiguration, type FunctionEventInvokeConfig } from '@aws-sdk/client-lambda';
import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { awsCli, putNotificationCommand } from './aws-cli.js';
import { objectLockConfiguration } from './buckets.js';
import { liveLifecycleText, liveNotificationText, templateLifecycleText, templateNotificationText, type Resolve } from './bucket-rules-text.js';
import type { Clients } from './clients.js';
import { evaluateConditions, resolveIfs } from './conditions.js';
import type { StackOutputs } from './outputs.js';
import type { Parameters } from './parameters.js';
import type { Capabilities } from './targets.js';
import type { Template } from './template.js';
import { resolveValue, stackNamesOf } from './template-values.js';

export const DriftStatus = { ok: 'ok', warn: 'warn', drift: 'DRIFT' } as const;
export type DriftStatus = (typeof DriftStatus)[keyof typeof DriftStatus];

export type DriftCheck = {
  readonly resource: string;
  readonly property: string;
  readonly expected: string;
  readonly live: string;
  readonly status: DriftStatus;
  /**
   * Why a warning needs the owner, where it is not a property the target does not emulate; on a drift, that the
   * target's CloudFormation, not a hand, may have left the value (Capabilities.updatesNotApplied).
   */
  readonly note?: string;
  /** On a drift a hand made: the AWS CLI command that sets the template's value back. */
  readonly setBack?: string;
};

/** Reads a live setting; a "not configured" error is the answer "none", any other error is a drift. */
async function live(read: () => Promise<string>): Promise<string> {
  try {
    return await read();
  } catch (error) {
    const name = (error as Error).name;
    if (/NoSuch|NotFound|ResourceNotFound|ServerSideEncryptionConfigurationNotFound|QueueDoesNotExist|NonExistentQueue/.test(name)) return 'none';
    return `unreadable (${name}: ${(error as Error).message})`;
  }
}

type BucketProperties = {
  VersioningConfiguration?: { Status?: string };
  BucketEncryption?: {
    ServerSideEncryptionConfiguration?: { ServerSideEncryptionByDefault?: { SSEAlgorithm?: string }; BlockedEncryptionTypes?: { EncryptionType?: string[] } }[];
  };
  PublicAccessBlockConfiguration?: object;
  OwnershipControls?: { Rules?: { ObjectOwnership?: string }[] };
  LifecycleConfiguration?: { Rules?: Record<string, unknown>[] };
  ObjectLockConfiguration?: { ObjectLockEnabled?: string; Rule?: { DefaultRetention?: { Mode?: string; Days?: unknown; Years?: unknown } } };
  NotificationConfiguration?: { LambdaConfigurations?: { Event: string; Filter?: { S3Key?: { Rules?: { Name?: string; Value?: string }[] } } }[] };
};

type Expectation = {
  resource: string;
  property: string;
  expected: string;
  read: () => Promise<string>;
  /** A live value that differs but that no deploy can set back: what the owner should do, printed as a warning. */
  ownersTurn?: (live: string) => string | undefined;
  /** The read gives the same answer every time (one configuration read shared by several checks): never read again. */
  readOnce?: boolean;
  /** The AWS CLI command that sets the template's value back, given on its DRIFT line: a deploy does not undo a hand's change. */
  setBack?: string;
};

/** How a bucket stands to the stack: one it took over (kept from an earlier stack) keeps its own settings. */
type BucketOrigin = { readonly takenOver: boolean; readonly endpoint?: string };

function bucketExpectations(
  clients: Clients,
  id: string,
  bucket: string,
  properties: BucketProperties,
  functionArn: string,
  resolve: Resolve,
  origin: BucketOrigin,
): Expectation[] {
  const { s3 } = clients;
  const encryption = properties.BucketEncryption?.ServerSideEncryptionConfiguration?.[0];
  const algorithm = encryption?.ServerSideEncryptionByDefault?.SSEAlgorithm;
  const blocked = encryption?.BlockedEncryptionTypes?.EncryptionType ?? [];
  const expectations: Expectation[] = [
    {
      resource: id,
      property: 'versioning',
      expected: properties.VersioningConfiguration?.Status ?? 'none',
      read: async () => (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status ?? 'none',
      ...(properties.VersioningConfiguration?.Status
        ? { setBack: awsCli(`s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=${properties.VersioningConfiguration.Status}`, origin.endpoint) }
        : {}),
    },
    {
      resource: id,
      property: 'bucketEncryption',
      expected: encryptionText(algorithm, blocked),
      read: async () => {
        const rule = (await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration?.Rules?.[0];
        return encryptionText(rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm, rule?.BlockedEncryptionTypes?.EncryptionType);
      },
      ...(algorithm ? { setBack: putEncryptionCommand(bucket, algorithm, blocked, origin.endpoint) } : {}),
      // A bucket kept from a stack whose template blocked nothing (before BlockedEncryptionTypes) is not one changed
      // by hand, and no deploy changes a bucket it takes over: the owner's to block, with the command.
      ...(origin.takenOver && algorithm && blocked.length > 0
        ? {
            ownersTurn: (live: string) =>
              live === encryptionText(algorithm, [])
                ? `s3://${bucket} is kept from an earlier stack and does not block ${blocked.join(', ')} writes, and a stack that takes a bucket over does not change its settings: block them with \`${putEncryptionCommand(bucket, algorithm, blocked, origin.endpoint)}\``
                : undefined,
          }
        : {}),
    },
    {
      resource: id,
      property: 'publicAccessBlock',
      expected: blockText(properties.PublicAccessBlockConfiguration),
      read: async () => blockText((await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration),
      ...(properties.PublicAccessBlockConfiguration
        ? { setBack: awsCli(`s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration '${JSON.stringify(properties.PublicAccessBlockConfiguration)}'`, origin.endpoint) }
        : {}),
    },
    {
      resource: id,
      property: 'acl',
      // The template grants nothing through ACLs: the bucket must not be readable or writable by everyone.
      expected: 'private',
      read: async () => {
        const acl = await s3.send(new GetBucketAclCommand({ Bucket: bucket }));
        const open = (acl.Grants ?? []).filter((g) => /AllUsers|AuthenticatedUsers/.test(g.Grantee?.URI ?? '')).map((g) => `${g.Grantee?.URI?.split('/').pop()}:${g.Permission}`);
        return open.length ? open.join(',') : 'private';
      },
    },
    {
      resource: id,
      property: 'ownershipControls',
      expected: properties.OwnershipControls?.Rules?.[0]?.ObjectOwnership ?? 'none',
      read: async () => (await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership ?? 'none',
    },
    {
      resource: id,
      property: 'lifecycle',
      expected: templateLifecycleText(properties.LifecycleConfiguration?.Rules, resolve),
      read: async () => liveLifecycleText((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules),
    },
    {
      resource: id,
      property: 'notification',
      expected: templateNotificationText(properties.NotificationConfiguration?.LambdaConfigurations, functionArn),
      read: async () => liveNotificationText((await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }))).LambdaFunctionConfigurations),
      setBack: putNotificationCommand(
        bucket,
        (properties.NotificationConfiguration?.LambdaConfigurations ?? []).map((c) => ({ event: c.Event, functionArn, filterRules: c.Filter?.S3Key?.Rules })),
        origin.endpoint,
      ),
    },
  ];
  // Only where the template locks versions: a default retention shortened or removed by hand lets backups be deleted sooner.
  const lock = properties.ObjectLockConfiguration;
  if (lock) {
    const retention = lock.Rule?.DefaultRetention;
    expectations.push({
      resource: id,
      property: 'objectLock',
      expected: lockText(lock.ObjectLockEnabled, retention?.Mode, resolve(retention?.Days), resolve(retention?.Years)),
      read: async () => {
        const live = await objectLockConfiguration(s3, bucket);
        const liveRetention = live?.Rule?.DefaultRetention;
        return lockText(live?.ObjectLockEnabled, liveRetention?.Mode, liveRetention?.Days?.toString(), liveRetention?.Years?.toString());
      },
    });
  }
  return expectations;
}

/**
 * A bucket's default encryption and the types it blocks as one comparable line: SSE-C unblocked by hand lets an
 * upload into the inbox that the function cannot read (it holds no customer key). NONE, S3's word for blocking
 * nothing, is no block.
 */
function encryptionText(algorithm: string | undefined, blocked: readonly string[] | undefined): string {
  const blocks = (blocked ?? []).filter((type) => type !== 'NONE');
  return `${algorithm ?? 'none'}${blocks.length > 0 ? ` (blocks ${blocks.join(', ')})` : ''}`;
}

/** The command that sets a bucket's default encryption, with the types it blocks, as the template has it. */
function putEncryptionCommand(bucket: string, algorithm: string, blocked: readonly string[], endpoint: string | undefined): string {
  const rule = { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: algorithm }, ...(blocked.length > 0 ? { BlockedEncryptionTypes: { EncryptionType: blocked } } : {}) };
  return awsCli(`s3api put-bucket-encryption --bucket ${bucket} --server-side-encryption-configuration '${JSON.stringify({ Rules: [rule] })}'`, endpoint);
}

/** Object Lock and its default retention as one comparable line. */
function lockText(enabled: string | undefined, mode: string | undefined, days: string | undefined, years: string | undefined): string {
  if (enabled !== 'Enabled') return 'none';
  const period = days ? `${days}d` : years ? `${years}y` : undefined;
  return mode && period ? `Enabled ${mode} ${period}` : 'Enabled no default retention';
}

type TrailProperties = {
  TrailName?: unknown;
  S3BucketName?: unknown;
  IsLogging?: unknown;
  IsMultiRegionTrail?: unknown;
  IncludeGlobalServiceEvents?: unknown;
  EnableLogFileValidation?: unknown;
  AdvancedEventSelectors?: { Name?: unknown; FieldSelectors?: Record<string, unknown>[] }[];
};

/** The operators of an advanced event selector's field, in the order the text gives them. */
const FIELD_OPERATORS = ['Equals', 'NotEquals', 'StartsWith', 'NotStartsWith', 'EndsWith', 'NotEndsWith'] as const;

/** Advanced event selectors as one comparable line: what the trail records. */
function selectorsText(selectors: readonly { readonly Name?: unknown; readonly FieldSelectors?: readonly object[] }[] | undefined, resolve: Resolve): string {
  if (!selectors?.length) return 'none';
  return selectors
    .map((selector) => {
      const fields = (selector.FieldSelectors ?? []).map((fieldSelector) => {
        const field = fieldSelector as Record<string, unknown>;
        const operators = FIELD_OPERATORS.filter((operator) => Array.isArray(field[operator]) && (field[operator] as unknown[]).length > 0).map(
          (operator) => `${operator}=${(field[operator] as unknown[]).map((value) => resolve(value) ?? '…').join(',')}`,
        );
        return `${resolve(field.Field) ?? '…'} ${operators.join(' ')}`;
      });
      return `${resolve(selector.Name) ?? ''}: ${fields.sort().join('; ')}`;
    })
    .sort()
    .join(' | ');
}

const flagText = (value: unknown) => String(value === true || value === 'true');
const trailText = (bucket: unknown, validation: unknown, multiRegion: unknown, global: unknown) =>
  `bucket=${String(bucket ?? 'none')} logFileValidation=${flagText(validation)} multiRegion=${flagText(multiRegion)} globalServiceEvents=${flagText(global)}`;

/**
 * The audit trail: that it logs, where to, with validation, and what it records. A trail stopped by hand is the
 * owner's to start again: CloudFormation does not, while the stack is unchanged.
 */
function trailExpectations(clients: Clients, id: string, properties: TrailProperties, resolve: Resolve): Expectation[] {
  const { cloudTrail } = clients;
  const name = resolve(properties.TrailName);
  if (!name) return [];
  return [
    {
      resource: id,
      property: 'logging',
      expected: flagText(properties.IsLogging),
      read: async () => String((await cloudTrail.send(new GetTrailStatusCommand({ Name: name }))).IsLogging ?? 'none'),
      ownersTurn: (live) =>
        live === 'false'
          ? `the trail was stopped outside the stack, so nothing records the inbox's writes, and a deploy does not start it again while the stack is unchanged: \`aws cloudtrail start-logging --name ${name}\``
          : undefined,
    },
    {
      resource: id,
      property: 'trail',
      expected: trailText(resolve(properties.S3BucketName), properties.EnableLogFileValidation, properties.IsMultiRegionTrail, properties.IncludeGlobalServiceEvents),
      read: async () => {
        const live = (await cloudTrail.send(new GetTrailCommand({ Name: name }))).Trail;
        return live ? trailText(live.S3BucketName, live.LogFileValidationEnabled, live.IsMultiRegionTrail, live.IncludeGlobalServiceEvents) : 'none';
      },
    },
    {
      resource: id,
      property: 'eventSelectors',
      expected: selectorsText(properties.AdvancedEventSelectors, resolve),
      read: async () => {
        const { AdvancedEventSelectors } = await cloudTrail.send(new GetEventSelectorsCommand({ TrailName: name }));
        return selectorsText(AdvancedEventSelectors, (value) => (value === undefined ? undefined : String(value)));
      },
    },
  ];
}

function blockText(configuration: object | undefined): string {
  if (!configuration) return 'none';
  const block = configuration as Record<string, unknown>;
  const keys = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];
  return keys.map((key) => `${key}=${flagText(block[key])}`).join(' ');
}

type PolicyStatement = Readonly<Record<string, unknown>>;

/** A policy document's statements (one statement may stand alone, not in a list). */
function statementsOf(document: unknown): PolicyStatement[] {
  const statement = (document as { Statement?: unknown } | undefined)?.Statement;
  if (Array.isArray(statement)) return statement as PolicyStatement[];
  return typeof statement === 'object' && statement !== null ? [statement as PolicyStatement] : [];
}

function policySids(document: unknown): string {
  return statementsOf(document).map((s) => String(s.Sid ?? '?')).sort().join(',') || 'none';
}

/**
 * What a statement does, as one comparable line: its effect, who, which actions, on what, under which conditions,
 * in one form whatever form S3 gives it back in (a value or a list, the case of actions and condition keys).
 * `value` gives a template's value as text; undefined when one cannot be known from outside the stack.
 */
function statementText(statement: PolicyStatement, value: (node: unknown) => string | undefined): string | undefined {
  let unknown = false;
  const values = (node: unknown) =>
    (Array.isArray(node) ? node : node === undefined ? [] : [node]).map((item) => {
      const text = value(item);
      unknown ||= text === undefined;
      return text ?? '…';
    });
  const sorted = (items: string[]) => [...items].sort().join(',');
  const principal = statement.Principal;
  const principals =
    typeof principal === 'object' && principal !== null && !Array.isArray(principal)
      ? Object.entries(principal).flatMap(([type, who]) => values(who).map((one) => (type === 'AWS' && one === '*' ? '*' : `${type}:${one}`)))
      : values(principal);
  const actions = [...values(statement.Action).map((action) => action.toLowerCase()), ...values(statement.NotAction).map((action) => `not ${action.toLowerCase()}`)];
  const resources = [...values(statement.Resource), ...values(statement.NotResource).map((resource) => `not ${resource}`)];
  const condition = statement.Condition;
  const conditions =
    typeof condition === 'object' && condition !== null
      ? Object.entries(condition).flatMap(([operator, block]) =>
          typeof block === 'object' && block !== null ? Object.entries(block).map(([key, given]) => `${operator}:${key.toLowerCase()}=${sorted(values(given))}`) : [`${operator}:…`],
        )
      : [];
  const text = `${values(statement.Effect).join(',')} ${sorted(principals)} ${sorted(actions)}${resources.length > 0 ? ` on ${sorted(resources)}` : ''}${conditions.length > 0 ? ` if ${sorted(conditions)}` : ''}`;
  return unknown ? undefined : text;
}

/** What each statement of a template's policy does, by its Sid (undefined where a value cannot be known from outside the stack). */
function statementsBySid(document: unknown, value: (node: unknown) => string | undefined): ReadonlyMap<string, string | undefined> {
  return new Map(statementsOf(document).map((statement) => [String(statement.Sid ?? '?'), statementText(statement, value)] as const));
}

/** A live policy's value as it stands (the template's are resolved instead). */
const asGiven = (node: unknown) => (typeof node === 'object' && node !== null ? JSON.stringify(node) : String(node));

/** Every statement of a policy as what it does, sorted: for a short policy whose statements have no Sid (a role's trust). */
function policyText(document: unknown, value: (node: unknown) => string | undefined): string {
  return statementsOf(document).map((statement) => statementText(statement, value) ?? '…').sort().join(' | ') || 'none';
}

/**
 * A live policy as its Sids, each statement that differs from the template's of the same Sid followed by what it now
 * does (the Sids alone let a statement turned into an Allow of anything pass).
 */
function livePolicyText(document: unknown, expected: ReadonlyMap<string, string | undefined>): string {
  const lines = statementsOf(document).map((statement) => {
    const sid = String(statement.Sid ?? '?');
    const wanted = expected.get(sid);
    const text = statementText(statement, asGiven);
    return wanted === undefined || wanted === text ? sid : `${sid} (${text})`;
  });
  return lines.sort().join(',') || 'none';
}

/** The bucket a policy applies to: a `Ref` to a bucket resource, or a name built with `Fn::Sub`. */
function policyBucket(bucket: unknown, bucketOutputs: Record<string, string | undefined>): string | undefined {
  const ref = (bucket as { Ref?: string } | undefined)?.Ref;
  if (ref) return bucketOutputs[ref];
  const sub = (bucket as { 'Fn::Sub'?: unknown } | undefined)?.['Fn::Sub'];
  if (typeof sub !== 'string') return undefined;
  const pattern = new RegExp(`^${sub.split(/\$\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`);
  return Object.values(bucketOutputs).find((name) => name !== undefined && pattern.test(name));
}

/** An alarm's metric, rule and actions as one comparable line; every value as text. */
function alarmText(alarm: {
  readonly Namespace?: string;
  readonly MetricName?: string;
  readonly Dimensions?: readonly { readonly Name?: string; readonly Value?: string }[];
  readonly Statistic?: string;
  /** A percentile (p90) in place of Statistic. */
  readonly ExtendedStatistic?: string;
  /**
   * Unset, CloudWatch reads the metric in whatever unit it is published in; a unit it is not published in leaves the
   * alarm without data, in INSUFFICIENT_DATA for good (PutMetricAlarm's reference): silenced.
   */
  readonly Unit?: string;
  readonly Period?: string;
  readonly EvaluationPeriods?: string;
  readonly ComparisonOperator?: string;
  readonly Threshold?: string;
  readonly TreatMissingData?: string;
  readonly ActionsEnabled?: string;
  readonly AlarmActions?: readonly (string | undefined)[];
}): string {
  const dimensions = (alarm.Dimensions ?? []).map(({ Name, Value }) => `${Name}=${Value ?? '…'}`).sort().join(',');
  const actions = (alarm.AlarmActions ?? []).map((action) => action ?? '…').sort().join(',') || 'none';
  return (
    `${alarm.Namespace} ${alarm.MetricName} ${dimensions} ${alarm.Statistic ?? alarm.ExtendedStatistic} ${alarm.Period}s x${alarm.EvaluationPeriods} ${alarm.ComparisonOperator} ${alarm.Threshold} ` +
    `missing=${alarm.TreatMissingData ?? 'missing'} actions=${actions}${alarm.ActionsEnabled === 'false' ? ' (actions off)' : ''}${alarm.Unit ? ` unit=${alarm.Unit}` : ''}`
  );
}

/** A role's inline policies as the template declares them (after its conditions). */
function rolePolicies(properties: Readonly<Record<string, unknown>> | undefined): { readonly name: string; readonly document: unknown }[] {
  const policies = properties?.Policies;
  if (!Array.isArray(policies)) return [];
  return policies.map((policy: { PolicyName?: unknown; PolicyDocument?: unknown }) => ({ name: String(policy.PolicyName), document: policy.PolicyDocument }));
}

/** A role's trust policy as the template declares it, when it declares one. */
function trustPolicy(properties: Readonly<Record<string, unknown>> | undefined): unknown[] {
  return properties?.AssumeRolePolicyDocument === undefined ? [] : [properties.AssumeRolePolicyDocument];
}

/** A policy document as IAM gives it: URL-encoded on AWS (RFC 3986), plain JSON from an emulator that does not encode it. */
function policyDocumentOf(text: string | undefined): unknown {
  const json = text ?? '{}';
  try {
    return JSON.parse(json);
  } catch {
    return JSON.parse(decodeURIComponent(json));
  }
}

/**
 * SQS's long-standing default largest message, 256 KiB: a parked event (the S3 event with the function's error) is a few
 * KB, and Lambda drops one the queue refuses as too long, unseen (nothing parked, no alarm). A limit from it up is enough.
 */
const SQS_DEFAULT_MAXIMUM_MESSAGE_SIZE = 262_144;

/** A queue's retention and encryption at rest as one comparable line, and its largest message when lowered below the default. */
const queueText = (retentionSeconds: unknown, kmsKey: unknown, sqsManaged: unknown, maximumMessageSize: unknown) => {
  const size = Number(maximumMessageSize ?? SQS_DEFAULT_MAXIMUM_MESSAGE_SIZE);
  const lowered = size < SQS_DEFAULT_MAXIMUM_MESSAGE_SIZE ? ` maxMessageSize=${size}B (SQS's default is ${SQS_DEFAULT_MAXIMUM_MESSAGE_SIZE}B: Lambda drops a parked event the queue refuses)` : '';
  return `retention=${String(retentionSeconds ?? 345600)}s encryption=${kmsKey ? 'SSE-KMS' : sqsManaged === true || sqsManaged === 'true' ? 'SSE-SQS' : 'none'}${lowered}`;
};

/** Values a policy element gives as one string or a list of them. */
const listed = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);

/** The values any operator of a statement's Condition gives a key (condition keys are case-insensitive). */
function conditionValues(condition: unknown, key: string): string[] {
  if (typeof condition !== 'object' || condition === null) return [];
  return Object.values(condition).flatMap((block) =>
    typeof block === 'object' && block !== null ? Object.entries(block).flatMap(([name, values]) => (name.toLowerCase() === key ? listed(values) : [])) : [],
  );
}

/** Who may invoke the function, and from which source, as one comparable line. */
const permissionText = (principal: string, action: string, sourceArn: string | undefined, sourceAccount: string | undefined) =>
  `${principal} ${action} sourceArn=${sourceArn ?? 'any'} sourceAccount=${sourceAccount ?? 'any'}`;

/**
 * The statements of a function's resource policy (GetPolicy's document) as comparable lines, sorted; none is 'none'.
 * Without `withSourceAccount` (a target whose CloudFormation drops it) a statement's SourceAccount is not compared.
 */
function livePermissionsText(policy: string | undefined, withSourceAccount: boolean): string {
  const statements = (JSON.parse(policy ?? '{}') as { Statement?: Record<string, unknown>[] }).Statement ?? [];
  const lines = statements.map((statement) => {
    const principal = statement.Principal;
    const who = typeof principal === 'object' && principal !== null ? Object.values(principal).flatMap(listed).join(',') : listed(principal).join(',');
    const effect = statement.Effect === 'Deny' ? 'Deny ' : '';
    const [arn, account] = ['aws:sourcearn', 'aws:sourceaccount'].map((key) => conditionValues(statement.Condition, key).join(',') || undefined);
    return `${effect}${permissionText(who, listed(statement.Action).join(','), arn, withSourceAccount ? account : undefined)}`;
  });
  return lines.sort().join(' | ') || 'none';
}

/**
 * Reads the deployed resources back and compares them with what the template asks for. A property the
 * target is known not to emulate is a warning, whatever it reads; anything else that differs is drift.
 */
export async function checkDrift(
  clients: Clients,
  template: Template,
  parameters: Parameters,
  outputs: StackOutputs,
  capabilities: Capabilities,
  /** The function's configuration when the caller has just read it (the deploy, for its artefact proof). */
  knownConfiguration?: FunctionConfiguration,
  /** The target's endpoint (none on aws), for the AWS CLI commands the advice prints. */
  endpoint?: string,
): Promise<DriftCheck[]> {
  const functionArn = outputs.BackupFunctionArn;
  const { parameters: stackValues, partition, region, accountId } = stackNamesOf(template, parameters, outputs);
  const conditions = evaluateConditions(template, stackValues, { 'AWS::Partition': partition, 'AWS::Region': region, 'AWS::AccountId': accountId });
  const resources = resolveIfs(template.Resources, conditions) as Template['Resources'];
  // A resource its own Condition keeps out of the stack (the template still lists it).
  const inStack = (resource: { readonly Condition?: string }) => !resource.Condition || conditions[resource.Condition] === true;
  const bucketOutputs: Record<string, string | undefined> = {
    InboxBucket: outputs.InboxBucketName,
    BackupBucket: outputs.BackupBucketName,
    TrailBucket: outputs.AuditTrailBucketName,
  };
  // What a policy or the alarm names that no output gives: a bucket's ARN (from its name) and the queue's name (the
  // last part of its ARN).
  const attributes = {
    ...Object.fromEntries(Object.entries(bucketOutputs).map(([id, name]) => [`${id}.Arn`, name === undefined ? undefined : `arn:${partition}:s3:::${name}`])),
    'FailedEventsQueue.QueueName': outputs.FailedEventsQueueArn?.split(':').pop(),
  };
  const names = stackNamesOf(template, parameters, outputs, attributes);
  const resolve: Resolve = (node) => resolveValue(template, node, names);
  const expectations: Expectation[] = [];
  // A bucket is checked whenever the stack names it, also one the stack took over instead of creating it.
  for (const [id, bucket] of Object.entries(bucketOutputs)) {
    const resource = resources[id];
    if (!bucket || !resource) continue;
    const takenOver = !inStack(resource);
    expectations.push(...bucketExpectations(clients, id, bucket, (resource.Properties ?? {}) as BucketProperties, functionArn, resolve, { takenOver, endpoint }));
  }
  // A policy document compared statement by statement with the one the target gives (read: its JSON text).
  const policyExpectation = (id: string, property: string, document: unknown, read: () => Promise<string | undefined>): Expectation => {
    const statements = statementsBySid(document, resolve);
    return { resource: id, property, expected: policySids(document), read: async () => livePolicyText(JSON.parse((await read()) ?? '{}'), statements) };
  };
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::S3::BucketPolicy' || !inStack(resource)) continue;
    const bucket = policyBucket(resource.Properties?.Bucket, bucketOutputs);
    if (!bucket) continue;
    expectations.push(policyExpectation(id, 'bucketPolicy', resource.Properties?.PolicyDocument, async () => (await clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy));
  }
  // The receipts topic itself: deleted by hand, every receipt fails for good (notify_failed, retried: false) and the
  // alarm tells no one, and its policy and subscription, which read as `none` then, cannot be set back until it is
  // created again (SetTopicAttributes and Subscribe answer NotFound): its own line says it is gone.
  if (resources.ReceiptTopic && outputs.ReceiptTopicArn) {
    const TopicArn = outputs.ReceiptTopicArn;
    expectations.push({
      resource: 'ReceiptTopic',
      property: 'topic',
      expected: TopicArn.split(':').pop() ?? TopicArn,
      read: async () => {
        const live = (await clients.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes?.TopicArn;
        return live ? (live.split(':').pop() ?? live) : 'none';
      },
    });
  }
  // Who may use the receipts topic beside the account's identities by their own rights: the alarm's statement removed
  // by hand, a parked event reaches no one; SNS's default policy put back, any principal of the account may publish a
  // forged receipt or subscribe to every receipt again.
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::SNS::TopicPolicy' || !inStack(resource)) continue;
    const topics = resource.Properties?.Topics;
    for (const TopicArn of (Array.isArray(topics) ? topics : []).map(resolve)) {
      if (!TopicArn) continue;
      expectations.push(
        policyExpectation(id, 'topicPolicy', resource.Properties?.PolicyDocument, async () => (await clients.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes?.Policy),
      );
    }
  }
  for (const [id, resource] of Object.entries(resources)) {
    // Only where the target has CloudTrail: elsewhere a deploy refuses to turn the trail on.
    if (resource.Type !== 'AWS::CloudTrail::Trail' || !inStack(resource) || !capabilities.cloudTrail) continue;
    expectations.push(...trailExpectations(clients, id, (resource.Properties ?? {}) as TrailProperties, resolve));
  }
  if (conditions.HasNotificationEmail) {
    const address = String(parameters.NotificationEmail);
    expectations.push({
      resource: 'ReceiptEmailSubscription',
      property: 'subscription',
      expected: `email:${address}`,
      read: async () => {
        const response = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: outputs.ReceiptTopicArn }));
        const email = (response.Subscriptions ?? []).find((s) => s.Protocol === 'email' && s.Endpoint === address);
        if (!email) return 'none';
        // Pending only where addresses confirm (AWS): LocalStack lists its e-mail subscriptions as pending for good.
        const pending = email.SubscriptionArn === PENDING_CONFIRMATION && capabilities.emailSubscriptionsNeedConfirmation;
        return pending ? `email:${address}${PENDING_SUFFIX}` : `email:${address}`;
      },
      // Only where SNS deletes subscriptions by itself: on an emulator a missing one is the deploy's fault, a drift.
      ...(capabilities.emailSubscriptionsNeedConfirmation ? { ownersTurn: (live: string) => subscriptionAdvice(live, address, outputs.ReceiptTopicArn) } : {}),
    });
  }
  // Who may invoke the function: without the inbox's permission S3 delivers no upload's event, and nothing is parked.
  const permissions = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Permission' && inStack(resource));
  if (permissions.length > 0) {
    const expected = permissions.map(([, resource]) => {
      const properties = resource.Properties ?? {};
      // Compared only where the target's CloudFormation hands it on (not LocalStack's, either way).
      const sourceAccount = capabilities.permissionSourceAccount ? resolve(properties.SourceAccount) : undefined;
      return permissionText(resolve(properties.Principal) ?? '…', resolve(properties.Action) ?? '…', resolve(properties.SourceArn), sourceAccount);
    });
    expectations.push({
      resource: permissions.map(([id]) => id).join(','),
      property: 'invokePermission',
      expected: expected.sort().join(' | '),
      read: async () => livePermissionsText((await clients.lambda.send(new GetPolicyCommand({ FunctionName: outputs.BackupFunctionName }))).Policy, capabilities.permissionSourceAccount),
    });
  }
  // Where a failed event is parked: a queue deleted or changed by hand leaves the on-failure destination naming it, or
  // refusing what Lambda sends it.
  const queue = resources.FailedEventsQueue?.Properties;
  if (queue) {
    expectations.push({
      resource: 'FailedEventsQueue',
      property: 'settings',
      expected: queueText(resolve(queue.MessageRetentionPeriod), queue.KmsMasterKeyId, queue.SqsManagedSseEnabled, resolve(queue.MaximumMessageSize)),
      read: async () => {
        const { Attributes: live = {} } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: outputs.FailedEventsQueueUrl, AttributeNames: ['All'] }));
        return queueText(live.MessageRetentionPeriod, live.KmsMasterKeyId, live.SqsManagedSseEnabled, live.MaximumMessageSize);
      },
    });
  }
  // Who tells the owner of a parked event: an alarm deleted, silenced or pointed elsewhere by hand tells no one.
  const alarm = resources.ParkedEventsAlarm?.Properties;
  if (alarm) {
    const dimensions = (alarm.Dimensions as { Name?: unknown; Value?: unknown }[] | undefined) ?? [];
    const alarmName = resolve(alarm.AlarmName);
    expectations.push({
      resource: 'ParkedEventsAlarm',
      property: 'alarm',
      expected: alarmText({
        Namespace: resolve(alarm.Namespace),
        MetricName: resolve(alarm.MetricName),
        Dimensions: dimensions.map(({ Name, Value }) => ({ Name: resolve(Name), Value: resolve(Value) })),
        Statistic: resolve(alarm.Statistic),
        ExtendedStatistic: resolve(alarm.ExtendedStatistic),
        Unit: resolve(alarm.Unit),
        Period: resolve(alarm.Period),
        EvaluationPeriods: resolve(alarm.EvaluationPeriods),
        ComparisonOperator: resolve(alarm.ComparisonOperator),
        Threshold: resolve(alarm.Threshold),
        TreatMissingData: resolve(alarm.TreatMissingData),
        ActionsEnabled: resolve(alarm.ActionsEnabled) ?? 'true',
        AlarmActions: ((alarm.AlarmActions as unknown[] | undefined) ?? []).map((action) => resolve(action)),
      }),
      read: async () => {
        const [live] = (await clients.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: alarmName ? [alarmName] : [] }))).MetricAlarms ?? [];
        if (!live) return 'none';
        return alarmText({ ...live, Period: live.Period?.toString(), EvaluationPeriods: live.EvaluationPeriods?.toString(), Threshold: live.Threshold?.toString(), ActionsEnabled: String(live.ActionsEnabled ?? true) });
      },
    });
  }
  // How long the function's decisions and receipts are kept: shortened by hand, the console and the owner lose them sooner.
  const logGroup = resources.BackupFunctionLogGroup?.Properties;
  if (logGroup && outputs.LogGroupName) {
    const logGroupName = outputs.LogGroupName;
    const days = resolve(logGroup.RetentionInDays);
    expectations.push({
      resource: 'BackupFunctionLogGroup',
      property: 'retention',
      expected: days === undefined ? 'retention=never' : `retention=${days}d`,
      read: async () => {
        // Listed by name: the group itself comes before any whose name only begins with its own.
        const { logGroups = [] } = await clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroupName }));
        const group = logGroups.find((listed) => listed.logGroupName === logGroupName);
        if (!group) return 'none';
        return group.retentionInDays === undefined ? 'retention=never' : `retention=${group.retentionInDays}d`;
      },
    });
  }
  const fn = resources.BackupFunction?.Properties ?? {};
  const invokeConfig = resources.BackupFunctionEventInvokeConfig?.Properties ?? {};
  const FunctionName = outputs.BackupFunctionName;
  // One read of the function's configuration serves all of its checks and names its role (none when the caller has one).
  const functionConfiguration = knownConfiguration ? Promise.resolve(knownConfiguration) : clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName }));
  /** The role's name (after any path in its ARN), or why it cannot be read. */
  const roleName = async (): Promise<{ readonly RoleName: string } | { readonly unreadable: string }> => {
    const role = (await functionConfiguration).Role;
    return role ? { RoleName: role.slice(role.lastIndexOf('/') + 1) } : { unreadable: "unreadable (the function's configuration names no role)" };
  };
  /** The role's name once a read found it, for advice that names it. */
  let readRoleName: string | undefined;
  const declared = (fn.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const expectedEnvironment = new Map(Object.entries(declared).map(([name, value]) => [name, resolve(value)]));
  expectations.push(
    {
      resource: 'BackupFunction',
      property: 'runtime',
      readOnce: true,
      expected: `${fn.Runtime} ${fn.Handler}`,
      read: async () => {
        const config = await functionConfiguration;
        return `${config.Runtime} ${config.Handler}`;
      },
    },
    {
      resource: 'BackupFunction',
      property: 'limits',
      readOnce: true,
      expected: `timeout=${resolve(fn.Timeout) ?? 'default'}s memory=${resolve(fn.MemorySize) ?? 'default'}MB`,
      read: async () => {
        const config = await functionConfiguration;
        return `timeout=${config.Timeout}s memory=${config.MemorySize}MB`;
      },
    },
    {
      resource: 'BackupFunction',
      property: 'environment',
      readOnce: true,
      expected: environmentLine(expectedEnvironment),
      read: async () => {
        const config = await functionConfiguration;
        // A value the template leaves to CloudFormation (…) is compared by its presence only.
        const variables = Object.entries(config.Environment?.Variables ?? {}).map(([name, value]): [string, string | undefined] => [name, expectedEnvironment.get(name) === undefined && expectedEnvironment.has(name) ? undefined : String(value)]);
        return environmentLine(new Map(variables));
      },
    },
    // Who may assume the role: Lambda alone. Trust taken from it by hand, no event runs, and none can be parked (the
    // on-failure destination is reached with the same role).
    ...trustPolicy(resources.BackupFunctionRole?.Properties).map(
      (document): Expectation => ({
        resource: 'BackupFunctionRole',
        property: 'trust',
        expected: policyText(document, resolve),
        read: async () => {
          const role = await roleName();
          if ('unreadable' in role) return role.unreadable;
          const { Role } = await clients.iam.send(new GetRoleCommand(role));
          return policyText(policyDocumentOf(Role?.AssumeRolePolicyDocument), asGiven);
        },
      }),
    ),
    // What the function may do: a statement of its role removed or changed by hand (writing the backups, parking a
    // failed event) fails every event, and without ParkFailedEvents none is parked, while the deploy said all was well.
    ...rolePolicies(resources.BackupFunctionRole?.Properties).map(({ name, document }): Expectation => {
      const statements = statementsBySid(document, resolve);
      return {
        resource: 'BackupFunctionRole',
        property: `policy ${name}`,
        expected: policySids(document),
        read: async () => {
          const role = await roleName();
          if ('unreadable' in role) return role.unreadable;
          const { PolicyDocument } = await clients.iam.send(new GetRolePolicyCommand({ ...role, PolicyName: name }));
          return livePolicyText(policyDocumentOf(PolicyDocument), statements);
        },
      };
    }),
    // What else governs the role: a policy attached or put beside the template's, or a permissions boundary, can deny
    // what the function needs (every event failed, or none parked) while every statement above reads as the template's.
    {
      resource: 'BackupFunctionRole',
      property: 'other policies',
      expected: 'none',
      read: async () => {
        const role = await roleName();
        if ('unreadable' in role) return role.unreadable;
        readRoleName = role.RoleName;
        const declaredNames = new Set(rolePolicies(resources.BackupFunctionRole?.Properties).map(({ name }) => name));
        const [inline, attached, { Role }] = await Promise.all([
          clients.iam.send(new ListRolePoliciesCommand(role)),
          clients.iam.send(new ListAttachedRolePoliciesCommand(role)),
          clients.iam.send(new GetRoleCommand(role)),
        ]);
        return otherPoliciesText({
          inline: (inline.PolicyNames ?? []).filter((name) => !declaredNames.has(name)),
          attached: (attached.AttachedPolicies ?? []).map(({ PolicyArn, PolicyName }) => PolicyArn ?? PolicyName ?? '?'),
          boundary: Role?.PermissionsBoundary?.PermissionsBoundaryArn,
          more: Boolean(inline.IsTruncated || attached.IsTruncated),
        });
      },
      ownersTurn: () => (readRoleName === undefined ? undefined : otherPoliciesAdvice(readRoleName, endpoint)),
    },
    {
      resource: 'BackupFunctionEventInvokeConfig',
      property: 'eventInvokeConfig',
      expected: `retries=${invokeConfig.MaximumRetryAttempts} maxEventAge=${resolve(invokeConfig.MaximumEventAgeInSeconds)}s onFailure=${outputs.FailedEventsQueueArn}`,
      read: async () => invokeConfigText(await clients.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName, Qualifier: '$LATEST' }))),
    },
  );

  return Promise.all(
    expectations.map(async ({ resource, property, expected, read, ownersTurn, readOnce, setBack }) => {
      let actual = await live(read);
      if (capabilities.notEmulated.includes(property)) return { resource, property, expected, live: actual, status: DriftStatus.warn };
      const note = actual === expected ? undefined : ownersTurn?.(actual);
      if (note) return { resource, property, expected, live: actual, status: DriftStatus.warn, note };
      // A read just after the stack's update may still give the old setting (Capabilities.driftRereads).
      const { everyMs, forMs } = readOnce ? { everyMs: 0, forMs: 0 } : capabilities.driftRereads;
      for (let waited = 0; actual !== expected && everyMs > 0 && waited < forMs; waited += everyMs) {
        await new Promise((resolve) => setTimeout(resolve, everyMs));
        actual = await live(read);
      }
      if (actual === expected) return { resource, property, expected, live: actual, status: DriftStatus.ok };
      const laterNote = ownersTurn?.(actual);
      if (laterNote) return { resource, property, expected, live: actual, status: DriftStatus.warn, note: laterNote };
      // Still drift (the resource works as it is), but not necessarily anyone's hand: say so.
      const type = template.Resources[resource]?.Type;
      const notUpdated = type !== undefined && capabilities.updatesNotApplied.includes(type);
      return {
        resource,
        property,
        expected,
        live: actual,
        status: DriftStatus.drift,
        ...(notUpdated ? { note: `the target's CloudFormation does not update an ${type} in place (it reports the update complete and keeps what was there): a deploy that changed this left the old value` } : {}),
        ...(setBack ? { setBack } : {}),
      };
    }),
  );
}

/** An event invoke configuration as one line, as the drift check compares it and the deploy's repair reports it. */
export function invokeConfigText(config: Pick<FunctionEventInvokeConfig, 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds' | 'DestinationConfig'>): string {
  return `retries=${config.MaximumRetryAttempts} maxEventAge=${config.MaximumEventAgeInSeconds}s onFailure=${config.DestinationConfig?.OnFailure?.Destination}`;
}

/** The role's policies beside the template's, as one line: "none", or what there is of each kind. */
function otherPoliciesText(found: { readonly inline: readonly string[]; readonly attached: readonly string[]; readonly boundary: string | undefined; readonly more: boolean }): string {
  const parts = [
    ...(found.inline.length > 0 ? [`inline ${found.inline.join(', ')}`] : []),
    ...(found.attached.length > 0 ? [`attached ${found.attached.join(', ')}`] : []),
    ...(found.boundary ? [`boundary ${found.boundary}`] : []),
    ...(found.more ? ['and more'] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : 'none';
}

/**
 * Policies beside the template's are no setting a deploy sets back (CloudFormation leaves what it did not put there),
 * and may be an organisation's own: a warning that says what they can do and how to look, not a failed deploy.
 */
function otherPoliciesAdvice(roleName: string, endpoint: string | undefined): string {
  return (
    "the function's permissions are also these, beside the template's; a Deny in one, or a boundary without an action the function needs, " +
    `fails every backup or leaves failed events unparked: read them (\`${awsCli(`iam list-attached-role-policies --role-name ${roleName}`, endpoint)}\`, and \`list-role-policies\` and \`get-role\` likewise) and remove what the function does not need`
  );
}

/** What SNS lists instead of an ARN for a subscription that its endpoint has not confirmed. */
const PENDING_CONFIRMATION = 'PendingConfirmation';
/** How the drift check shows such a subscription's live value. */
const PENDING_SUFFIX = ' (pending confirmation)';

/**
 * An e-mail subscription that waits for its confirmation, or that SNS deleted, is not something a deploy sets
 * back: CloudFormation does not create it again while the stack is unchanged. SNS deletes an unconfirmed
 * subscription after 48 hours, and suspends a confirmed one into that state when it gets more than 10 messages a
 * second (a folder uploaded at once).
 */
function subscriptionAdvice(live: string, address: string, topicArn: string): string | undefined {
  const subscribeAgain = `aws sns subscribe --topic-arn ${topicArn} --protocol email --notification-endpoint ${address}`;
  if (live.endsWith(PENDING_SUFFIX)) {
    return `${address} has not confirmed its subscription, so no receipt reaches it: follow the link in the confirmation e-mail (SNS deletes an unconfirmed subscription after 48 hours; then \`${subscribeAgain}\`)`;
  }
  if (live === 'none') {
    return `the e-mail subscription is gone (SNS deletes one left unconfirmed for 48 hours, and one suspended for getting more than 10 receipts a second): \`${subscribeAgain}\` and confirm it`;
  }
  return undefined;
}

/** Variables as one comparable line, sorted by name; undefined values (left to CloudFormation) as "…". */
function environmentLine(variables: ReadonlyMap<string, string | undefined>): string {
  return [...variables.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => `${name}=${value ?? '…'}`).join(' ');
}

export function formatDrift(check: DriftCheck, targetName: string): string {
  switch (check.status) {
    case DriftStatus.ok:
      return `  ok     ${check.resource} ${check.property}: ${check.live}`;
    case DriftStatus.warn:
      return check.note
        ? `  warn   ${check.resource} ${check.property}: ${check.live}: ${check.note}`
        : `  warn   not emulated by ${targetName}: ${check.resource} ${check.property} (template: ${check.expected}; live: ${check.live})`;
    case DriftStatus.drift:
      return `  DRIFT  ${check.resource} ${check.property}: template ${check.expected}, live ${check.live}${check.note ? `: ${check.note}` : ''}${check.setBack ? `: set it back with \`${check.setBack}\`` : ''}`;
  }
}
