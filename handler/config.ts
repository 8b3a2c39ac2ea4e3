const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const topicArn = /^arn:[\w-]+:sns:[\w-]+:\d{12}:[\w-]{1,256}$/;

export type Config = {
  readonly inboxBucket: string;
  readonly backupBucket: string;
  readonly topicArn: string;
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
  readonly copyConcurrency: number;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Environment = Readonly<Record<string, string | undefined>>;

/** Reads and validates the function's environment; the error names every variable that is wrong. */
export function loadConfig(env: Environment): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name];
    if (value === undefined) problems.push(`${name}: is not set`);
    return value;
  };
  const matching = (name: string, pattern: RegExp, rule: string): string => {
    const value = read(name);
    if (value !== undefined && !pattern.test(value)) problems.push(`${name}: ${rule}`);
    return value ?? '';
  };
  const wholeNumber = (name: string, min: number, max: number): number => {
    const value = read(name);
    if (value === undefined) return NaN;
    const number = /^\d+$/.test(value) ? Number(value) : NaN;
    if (Number.isNaN(number)) problems.push(`${name}: must be a whole number`);
    else if (number < min) problems.push(`${name}: must be at least ${min}`);
    else if (number > max) problems.push(`${name}: must be at most ${max}`);
    return number;
  };

  const config: Config = {
    inboxBucket: matching('INBOX_BUCKET', bucketName, 'must be an S3 bucket name'),
    backupBucket: matching('BACKUP_BUCKET', bucketName, 'must be an S3 bucket name'),
    topicArn: matching('TOPIC_ARN', topicArn, 'must be an SNS topic ARN'),
    // S3's limits: parts of 5 MiB to 5 GiB, and CopyObject copies at most 5 GiB in one request.
    multipartThresholdBytes: wholeNumber('MULTIPART_THRESHOLD_BYTES', 5 * MiB, 5 * GiB),
    partSizeBytes: wholeNumber('MULTIPART_PART_SIZE_BYTES', 5 * MiB, 5 * GiB),
    // The SDK keeps at most 50 connections to S3: more parts at once would only queue.
    copyConcurrency: wholeNumber('COPY_CONCURRENCY', 1, 50),
  };
  if (config.inboxBucket && config.inboxBucket === config.backupBucket) {
    problems.push('BACKUP_BUCKET: must differ from INBOX_BUCKET (the function must never write into the bucket that triggers it)');
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `Invalid function configuration: ${problems.join('; ')}. ` +
        'Fix the environment variables of the function (the template sets them from its parameters) and redeploy.',
    );
  }
  return config;
}
