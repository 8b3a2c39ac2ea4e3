import { z } from 'zod';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const Environment = z
  .object({
    INBOX_BUCKET: z.string().regex(bucketName, 'must be an S3 bucket name'),
    BACKUP_BUCKET: z.string().regex(bucketName, 'must be an S3 bucket name'),
    TOPIC_ARN: z.string().regex(/^arn:[\w-]+:sns:[\w-]+:\d{12}:[\w-]{1,256}$/, 'must be an SNS topic ARN'),
    // S3's limits: parts of 5 MiB to 5 GiB, and CopyObject copies at most 5 GiB in one request.
    MULTIPART_THRESHOLD_BYTES: wholeNumber(5 * MiB, 5 * GiB),
    MULTIPART_PART_SIZE_BYTES: wholeNumber(5 * MiB, 5 * GiB),
    COPY_CONCURRENCY: wholeNumber(1, 64),
  })
  .refine((env) => env.INBOX_BUCKET !== env.BACKUP_BUCKET, {
    path: ['BACKUP_BUCKET'],
    message: 'must differ from INBOX_BUCKET (the function must never write into the bucket that triggers it)',
  });

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

/** Reads and validates the function's environment; the error names every variable that is wrong. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const parsed = Environment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = issue.path.join('.');
      return env[variable] === undefined ? `${variable}: is not set` : `${variable}: ${issue.message}`;
    });
    throw new ConfigError(
      `Invalid function configuration: ${problems.join('; ')}. ` +
        'Fix the environment variables of the function (the template sets them from its parameters) and redeploy.',
    );
  }
  const e = parsed.data;
  return {
    inboxBucket: e.INBOX_BUCKET,
    backupBucket: e.BACKUP_BUCKET,
    topicArn: e.TOPIC_ARN,
    multipartThresholdBytes: e.MULTIPART_THRESHOLD_BYTES,
    partSizeBytes: e.MULTIPART_PART_SIZE_BYTES,
    copyConcurrency: e.COPY_CONCURRENCY,
  };
}
