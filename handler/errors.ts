type AwsError = { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown } };

const missingNames: ReadonlySet<string> = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound']);

/** True when S3 says the object or version does not exist (a permanent condition: retrying cannot help). */
export function isNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, Code, $metadata } = error as AwsError;
  return (
    (typeof name === 'string' && missingNames.has(name)) ||
    (typeof Code === 'string' && missingNames.has(Code)) ||
    $metadata?.httpStatusCode === 404
  );
}

export function describeError(error: unknown): { errorName: string; errorMessage: string } {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message };
  return { errorName: 'UnknownError', errorMessage: String(error) };
}
