import { join } from 'node:path';
import { UsageError } from './cli.js';
import { ensureEmbeddedEmulator } from './emulator.js';
import { answersOk } from './http.js';
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
  /** Template properties the target's CloudFormation is known to skip: printed as warnings, never passed. */
  readonly notEmulated: readonly string[];
};

export type Target = {
  readonly name: TargetName;
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
    iamEnforced: false,
    cloudTrail: false,
    lambdaInContainers: false,
    sesInbox: false,
    notEmulated: [],
  },
  localstack: {
    iamEnforced: false,
    cloudTrail: false,
    lambdaInContainers: true,
    sesInbox: true,
    // LocalStack 4.14's AWS::S3::Bucket provider skips these (resource_providers/aws_s3_bucket.py), and
    // creates buckets with a public-read ACL that its free build does not enforce.
    notEmulated: ['publicAccessBlock', 'ownershipControls', 'lifecycle', 'bucketEncryption', 'acl'],
  },
  aws: {
    iamEnforced: true,
    cloudTrail: true,
    lambdaInContainers: true,
    sesInbox: false,
    notEmulated: [],
  },
};

export type ResolveOptions = {
  /** Start the embedded emulator when none is running (deploy and matrix do; destroy and logs do not). */
  readonly startEmulator?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Fail early, with what to do, when an emulated target does not answer (the scripts do; unit tests do not). */
  readonly checkReachable?: boolean;
};

/** Resolves a target to its endpoint, credentials and capabilities, once, for every script. */
export async function resolveTarget(name: TargetName, options: ResolveOptions = {}): Promise<Target> {
  const env = options.env ?? process.env;
  const parameterFile = join(parametersDir, `${name}.json`);
  const capabilities = capabilitiesOf[name];
  switch (name) {
    case TargetName.embedded:
      return embeddedTarget(await ensureEmbeddedEmulator({ start: options.startEmulator ?? true }));
    case TargetName.localstack: {
      const endpoint = env.LOCALSTACK_ENDPOINT ?? DEFAULT_LOCALSTACK_ENDPOINT;
      if (options.checkReachable && !(await answersOk(`${endpoint}/_localstack/health`, 3_000))) {
        throw new UsageError(`LocalStack does not answer at ${endpoint}: start it with \`docker compose up\` (or \`make up\`), or set LOCALSTACK_ENDPOINT`);
      }
      return {
        name,
        endpoint,
        region: env.AWS_REGION ?? EMULATOR_REGION,
        credentials: EMULATOR_CREDENTIALS,
        capabilities,
        parameterFile,
      };
    }
    case TargetName.aws: {
      assertRealAwsEnvironment(env);
      const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
      if (!region) throw new UsageError('no AWS region: set AWS_REGION (for example AWS_REGION=eu-central-1) or AWS_DEFAULT_REGION');
      return { name, region, capabilities, parameterFile };
    }
  }
}

/** The embedded target on a given emulator endpoint (tests start their own emulator on a free port). */
export function embeddedTarget(endpoint: string): Target {
  return {
    name: TargetName.embedded,
    endpoint,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    capabilities: capabilitiesOf.embedded,
    parameterFile: join(parametersDir, 'embedded.json'),
  };
}
