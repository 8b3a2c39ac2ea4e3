type AwsError = { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown } };

const missingNames: ReadonlySet<string> = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound']);
const missingBuckets: ReadonlySet<string> = new Set(['NoSuchBucket']);
const conditionNames: ReadonlySet<string> = new Set(['PreconditionFailed', 'ConditionalRequestConflict']);
const headerSectionNames: ReadonlySet<string> = new Set(['RequestHeaderSectionTooLarge']);
const metadataSizeNames: ReadonlySet<string> = new Set(['MetadataTooLarge']);

function matches(error: unknown, names: ReadonlySet<string>, statuses: readonly number[]): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, Code, $metadata } = error as AwsError;
  return (
    (typeof name === 'string' && names.has(name)) ||
    (typeof Code === 'string' && names.has(Code)) ||
    statuses.includes($metadata?.httpStatusCode as number)
  );
}

/**
 * True when S3 says the object or version does not exist (a permanent condition: retrying cannot help). A
 * missing bucket is not that: it is a broken stack, and must fail by its name.
 */
export function isNotFound(error: unknown): boolean {
  return matches(error, missingNames, [404]) && !matches(error, missingBuckets, []);
}

/**
 * True when a conditional write lost: 412 (the backup's latest is no longer what the condition named) or
 * 409 (a concurrent conflicting write). Someone else wrote the key: read it again and decide.
 */
export function isWriteConflict(error: unknown): boolean {
  return matches(error, conditionNames, [409, 412]);
}

/** True when S3 refused a request for the size of its headers: more than 8 KB of them (it names MaxSizeAllowed 8192). */
export function isHeaderSectionTooLarge(error: unknown): boolean {
  return matches(error, headerSectionNames, []);
}

/** True when S3 refused a write for its user metadata: more than 2 KB of keys and values. */
export function isMetadataTooLarge(error: unknown): boolean {
  return matches(error, metadataSizeNames, []);
}

const transientNames: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalError',
  'TimeoutError',
  // S3's 409 for a request that met another on the same object (PutObjectTagging lists it): "Please try again". A
  // conditional write that gets it is a conflict first (isWriteConflict, by its 409), read again and decided anew.
  'OperationAborted',
]);

/**
 * True when a failure may pass if tried again later: throttling, a 5xx, a request that met a conflicting one, or no
 * answer at all (network). Another 4xx (denied, not found, invalid) will fail the same way again.
 */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as AwsError;
  const status = $metadata?.httpStatusCode;
  if (typeof name === 'string' && transientNames.has(name)) return true;
  if (typeof status === 'number') return status >= 500 || status === 429;
  return true;
}

/** An error as one line: its name and message. */
export const describeError = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
