/**
 * What the backup's latest version must still be for a write to happen: the ETag that was read, or no
 * version at all. When another invocation wrote first, S3 answers 412 and nothing is written twice.
 */
export type WriteCondition = { readonly ifMatch: string } | { readonly ifNoneMatch: '*' };

/** The condition as the SDK's CopyObject / CompleteMultipartUpload input fields. */
export function writeConditionHeaders(condition: WriteCondition): { IfMatch: string } | { IfNoneMatch: string } {
  return 'ifMatch' in condition ? { IfMatch: condition.ifMatch } : { IfNoneMatch: condition.ifNoneMatch };
}
