import type { Destination } from './copy-source.js';
import type { ObjectVersion } from './source.js';

/**
 * What every write of a copied version carries, whichever request writes it (CopyObject, CreateMultipartUpload, an
 * empty version's PutObject): its place, the source's content headers, the metadata given, and SSE-S3, always.
 */
export function writeFields(source: ObjectVersion, destination: Destination, metadata: Readonly<Record<string, string>>) {
  return { Bucket: destination.bucket, Key: destination.key, ...source.headers, Metadata: { ...metadata }, ServerSideEncryption: 'AES256' } as const;
}
