/** A day in milliseconds, as S3's lifecycle rules and CloudWatch Logs' retention count days. */
export const DAY_MS = 86_400_000;
