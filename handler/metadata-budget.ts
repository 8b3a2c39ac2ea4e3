import { BackupMetadata } from './provenance.js';

/** S3 refuses more than 2 KB of user metadata, counted as the UTF-8 bytes of every key and value. */
export const MAX_METADATA_BYTES = 2048;

/**
 * Provenance a backup can do without, dropped in this order: the function decides by the source version id and the
 * request id. The upload-in-parts mark qualifies Last-Modified, so it goes after it: Last-Modified is never kept
 * without its mark (read alone, it would look like a time that orders versions).
 */
const optionalProvenance: readonly string[] = [BackupMetadata.sourceSequencer, BackupMetadata.sourceLastModified, BackupMetadata.sourceUploadedInParts];

const entrySize = (key: string, value: string) => Buffer.byteLength(key) + Buffer.byteLength(value);

export type FittedMetadata = { readonly metadata: Record<string, string>; readonly dropped: readonly string[] };

/**
 * The uploader's metadata with the kit's provenance, within S3's limit. An upload may use nearly all of it, and
 * its bytes must still be backed up: the optional provenance goes first, then the uploader's largest entries.
 */
export function fitMetadata(uploaded: Readonly<Record<string, string>>, provenance: Readonly<Record<string, string>>): FittedMetadata {
  const metadata = { ...uploaded, ...provenance };
  const dropped: string[] = [];
  // An uploaded key that the provenance overrides is not the uploader's to drop (source.ts strips them anyway).
  const droppable = [
    ...optionalProvenance.filter((key) => Object.hasOwn(provenance, key)),
    ...Object.keys(uploaded).filter((key) => !Object.hasOwn(provenance, key)).sort((a, b) => entrySize(b, uploaded[b]!) - entrySize(a, uploaded[a]!)),
  ];
  let bytes = Object.entries(metadata).reduce((total, [key, value]) => total + entrySize(key, value), 0);
  for (const key of droppable) {
    if (bytes <= MAX_METADATA_BYTES) break;
    bytes -= entrySize(key, metadata[key]!);
    delete metadata[key];
    dropped.push(key);
  }
  return { metadata, dropped };
}
