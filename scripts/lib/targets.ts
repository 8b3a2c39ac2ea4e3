import { join } from 'node:path';
import { UsageError } from './cli.js';
import { ensureEmbeddedEmulator } from './emulator.js';
import { jsonAt } from './http.js';
import { localStackHostEndpoint, localStackHostState, lostLocalStackHost, unrecordedLocalStackHost, unrecordedLocalStackHostAdvice } from './localstack-host.js';
import { parametersDir } from './paths.js';
import { assertRealAwsEnvironment } from './real-aws.js';

export const TargetName = { embedded: 'embedded', localstack: 'localstack', aws: 'aws' } as const;
export type TargetName = (typeof TargetName)[keyof typeof TargetName];

/** What a target can show; the matrix and the drift check decide SKIP, SIMULATED and warnings from it. */
export type Capabilities = {
  readonly iamEnforced: boolean;
  readonly cloudTrail: boolean;
  readonly lambdaInContainers: boolean;
  /** LocalStack delivers SNS e-mail through its SES and shows it at /_aws/ses. */
  readonly sesInbox: boolean;
  /**
   * How long to wait after UpdateFunctionConfiguration before sending events: LocalStack replaces the version's
   * event poller, and the old one discards what it receives while it stops (invocation/event_manager.py).
   */
  readonly settleAfterConfigChangeMs: number;
  /** How long a change of the function's role takes to reach the running function (IAM is eventually consistent). */
  readonly settleAfterRoleChangeMs: number;
  /**
   * E-mail subscriptions wait for their address to confirm them, and SNS deletes one left unconfirmed (AWS); the
   * emulators keep theirs without a confirmation.
   */
  readonly emailSubscriptionsNeedConfirmation: boolean;
  /** Template properties the target's CloudFormation is known to skip: printed as warnings, never passed. */
  readonly notEmulated: readonly string[];
  /**
   * The target's CloudFormation hands an AWS::Lambda::Permission's SourceAccount on to Lambda: LocalStack 4.14's
   * provider passes only FunctionName, Action, Principal and SourceArn (resource_providers/aws_lambda_permission.py).
   */
  readonly permissionSourceAccount: boolean;
  /**
   * Resource types the target's CloudFormation does not update in place: it reports the update complete and keeps
   * what was there, so a deploy that changed one leaves it as it was and the drift check finds the old value.
   */
  readonly updatesNotApplied: readonly string[];
  /**
   * How often, and for how long, the drift check reads a setting that differs from the template again before it
   * counts as drift: on AWS a read just after the stack's update may still give the old setting (S3's bucket
   * configurations and IAM are eventually consistent, and SQS takes up to 60 s for an attribute), so a deploy
   * that changed a lifecycle rule or the role's policy would fail on what it had itself just changed.
   */
  readonly driftRereads: { readonly everyMs: number; readonly forMs: number };
  /**
   * Why the log lines of a failed function init never reach the log group on this target, where they do not: the
   * matrix's case 7 then fails naming the target's known gap rather than leaving the handler suspected.
   */
  readonly initFailureLogsLost?: string;
};

export type Target = {
  readonly name: TargetName;
  /** What runs it, for reports: which LocalStack mode answered, for example. */
  readonly description: string;
  /** Undefined on aws: the SDK's normal endpoint resolution applies. */
  readonly endpoint?: string;
  readonly region: string;
  /** Emulators accept any static keys; aws uses the normal credential chain. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  readonly capabilities: Capabilities;
  readonly parameterFile: string;
};

const DEFAULT_LOCALSTACK_ENDPOINT = 'http://localhost:4566';
const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const EMULATOR_REGION = 'us-east-1';

export const capabilitiesOf: Readonly<Record<TargetName, Capabilities>> = {
  embedded: {
    iamEnforced: true,
    cloudTrail: false,
    lambdaInContainers: false,
    sesInbox: false,
    settleAfterConfigChangeMs: 0,
    // The emulator reads the role at every request.
    settleAfterRoleChangeMs: 0,
    emailSubscriptionsNeedConfirmation: false,
    notEmulated: [],
    permissionSourceAccount: true,
    updatesNotApplied: [],
    driftRereads: { everyMs: 0, forMs: 0 },
  },
  /** LocalStack in Docker; in host mode its functions are local processes (localstackCapabilities). */
  localstack: {
    iamEnforced: false,
    cloudTrail: false,
    lambdaInContainers: true,
    sesInbox: true,
    settleAfterConfigChangeMs: 3_000,
    settleAfterRoleChangeMs: 0,
    emailSubscriptionsNeedConfirmation: false,
    // LocalStack 4.14's AWS::S3::Bucket provider skips these (resource_providers/aws_s3_bucket.py), and
    // creates buckets with a public-read ACL that its free build does not enforce; its AWS::Logs::LogGroup provider
    // creates the group without its RetentionInDays (logs/resource_providers/aws_logs_loggroup.py).
    notEmulated: ['publicAccessBlock', 'ownershipControls', 'lifecycle', 'bucketEncryption', 'acl', 'retention'],
    permissionSourceAccount: false,
    // LocalStack 4.14's providers of these raise NotImplementedError on update, which its engine logs ("Unable to
    // update resource type") and reports as UPDATE_COMPLETE (resource_provider.py, execute_action); its
    // AWS::IAM::Role update applies only a new name, assume-role policy or managed policies, never the inline
    // Policies (iam/resource_providers/aws_iam_role.py). Seen in host mode: MaximumEventAgeSeconds 300 to 600 and
    // ReceiptPublishAllowed=false deployed, both left as they were, and so was the topic policy of a template that
    // renamed its statement (sns/resource_providers/aws_sns_topicpolicy.py).
    updatesNotApplied: ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy', 'AWS::SNS::TopicPolicy', 'AWS::CloudWatch::Alarm', 'AWS::Logs::LogGroup', 'AWS::Lambda::EventInvokeConfig', 'AWS::IAM::Role'],
    driftRereads: { everyMs: 0, forMs: 0 },
    // Its stock Lambda init reports an init failure as a status error, whose logs it never stores (version_manager.py).
    initFailureLogsLost:
      "a known gap of LocalStack in Docker, whose stock Lambda init reports an init failure as a status error and never stores its logs (version_manager.py); the kit's executor in host mode keeps them",
  },
  aws: {
    iamEnforced: true,
    cloudTrail: true,
    lambdaInContainers: true,
    sesInbox: false,
    settleAfterConfigChangeMs: 0,
    settleAfterRoleChangeMs: 15_000,
    emailSubscriptionsNeedConfirmation: true,
    notEmulated: [],
    permissionSourceAccount: true,
    updatesNotApplied: [],
    // Terraform's AWS provider waits up to 2 minutes for S3 bucket changes and SQS attributes to read back.
    driftRereads: { everyMs: 5_000, forMs: 60_000 },
  },
};

export const LocalStackMode = { docker: 'docker', host: 'host' } as const;
export type LocalStackMode = (typeof LocalStackMode)[keyof typeof LocalStackMode];

export function localstackCapabilities(mode: LocalStackMode): Capabilities {
  // The kit's executor in host mode reports an init failure inside the first invocation, with its logs, as AWS does.
  return mode === LocalStackMode.docker ? capabilitiesOf.localstack : { ...capabilitiesOf.localstack, lambdaInContainers: false, initFailureLogsLost: undefined };
}

/** The mode a localstack target was resolved in, read back from its capabilities (localstackCapabilities). */
export function localstackModeOf(target: Target): LocalStackMode {
  return target.capabilities.lambdaInContainers ? LocalStackMode.docker : LocalStackMode.host;
}

/** How a report names a LocalStack: its version as it says it (/_localstack/info), and how it runs functions. */
const localstackDescription = (mode: LocalStackMode, version: string | undefined) =>
  mode === LocalStackMode.docker
    ? `LocalStack${version ? ` ${version}` : ''} in Docker, functions in Lambda containers`
    : `LocalStack ${version ?? '4.14.0'} in host mode, functions as local Node.js processes through the kit's executor (no containers)`;

/** What a LocalStack endpoint says about itself (/_localstack/info), or undefined when nothing answers there. */
const localstackInfo = (endpoint: string) => jsonAt<{ is_docker?: unknown; version?: unknown }>(`${endpoint}/_localstack/info`, 3_000);

const modeOf = (info: { is_docker?: unknown } | undefined): LocalStackMode | undefined =>
  typeof info?.is_docker === 'boolean' ? (info.is_docker ? LocalStackMode.docker : LocalStackMode.host) : undefined;

/** Which LocalStack answers: it says itself whether it runs in Docker (/_localstack/info is_docker). */
export async function localstackModeAt(endpoint: string): Promise<LocalStackMode | undefined> {
  return modeOf(await localstackInfo(endpoint));
}

/** The localstack target on an endpoint, in a known mode, in the emulators' region. */
export function localstackTarget(endpoint: string, mode: LocalStackMode, version?: string): Target {
  return {
    name: TargetName.localstack,
    description: localstackDescription(mode, version),
    endpoint,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    capabilities: localstackCapabilities(mode),
    parameterFile: join(parametersDir, 'localstack.json'),
  };
}

export type ResolveOptions = {
  /** Start the embedded emulator when none is running (deploy and matrix do; destroy and logs do not). */
  readonly startEmulator?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Fail early, with what to do, when an emulated target does not answer (the scripts do; unit tests do not).
   * For localstack it also finds the host-mode LocalStack of `make localstack-host` and asks LocalStack its mode.
   */
  readonly checkReachable?: boolean;
};

/** Resolves a target to its endpoint, credentials and capabilities, once, for every script. */
export async function resolveTarget(name: TargetName, options: ResolveOptions = {}): Promise<Target> {
  const env = options.env ?? process.env;
  switch (name) {
    case TargetName.embedded:
      return embeddedTarget(await ensureEmbeddedEmulator({ start: options.startEmulator ?? true }));
    case TargetName.localstack: {
      // In the emulators' region, as on embedded: an AWS_REGION in the shell is for AWS, and would put the stack elsewhere.
      if (!options.checkReachable) return localstackTarget(env.LOCALSTACK_ENDPOINT || DEFAULT_LOCALSTACK_ENDPOINT, LocalStackMode.docker);
      const host = env.LOCALSTACK_ENDPOINT ? undefined : await localStackHostState();
      const endpoint = env.LOCALSTACK_ENDPOINT || (host?.state === 'live' ? host.record.endpoint : undefined) || DEFAULT_LOCALSTACK_ENDPOINT;
      // One request tells both that LocalStack answers there and how it runs (a make localstack-host record was
      // checked for liveness above).
      const info = await localstackInfo(endpoint);
      if (!info) {
        const lost = host && lostLocalStackHost(host);
        // A LocalStack on the host-mode port that this checkout has no record of: another checkout's.
        const hostPort = localStackHostEndpoint();
        const elsewhere = !lost && !env.LOCALSTACK_ENDPOINT && (await localstackInfo(hostPort)) ? hostPort : undefined;
        // It may be this checkout's own, whose record was removed while it ran.
        const unrecorded = elsewhere ? await unrecordedLocalStackHost() : undefined;
        throw new UsageError(
          lost ??
            (unrecorded !== undefined
              ? `LocalStack does not answer at ${endpoint}; ${unrecordedLocalStackHostAdvice(unrecorded)}`
              : elsewhere
                ? `LocalStack does not answer at ${endpoint}; one answers at ${elsewhere}, where this checkout's \`make localstack-host\` would listen, but this checkout did not start it (another checkout's?): use it with LOCALSTACK_ENDPOINT=${elsewhere}, or stop it there and run \`make localstack-host\` here`
                : `LocalStack does not answer at ${endpoint}: start it without Docker with \`make localstack-host\`, or in Docker with \`docker compose up\` (or \`make up\`), or set LOCALSTACK_ENDPOINT`),
        );
      }
      return localstackTarget(endpoint, modeOf(info) ?? LocalStackMode.docker, typeof info.version === 'string' ? info.version : undefined);
    }
    case TargetName.aws: {
      assertRealAwsEnvironment(env);
      // An empty AWS_REGION (a CI job's `${{ vars.AWS_REGION }}` with no such variable) is no region: the other is taken.
      const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
      if (!region) throw new UsageError('no AWS region: set AWS_REGION (for example AWS_REGION=eu-central-1) or AWS_DEFAULT_REGION');
      return { name, description: 'AWS', region, capabilities: capabilitiesOf.aws, parameterFile: join(parametersDir, 'aws.json') };
    }
  }
}

/** The embedded target on a given emulator endpoint (tests start their own emulator on a free port). */
export function embeddedTarget(endpoint: string): Target {
  return {
    name: TargetName.embedded,
    description: 'the embedded emulator (moto, extended by the kit), functions as local Node.js processes',
    endpoint,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    capabilities: capabilitiesOf.embedded,
    parameterFile: join(parametersDir, 'embedded.json'),
  };
}
