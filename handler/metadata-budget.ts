import { decodeEncodedWords } from './encoded-words.js';
import { BackupMetadata } from './provenance.js';

/** S3 refuses more than 2 KB of user metadata, counted as the UTF-8 bytes of every key and value. */
export const MAX_METADATA_BYTES = 2048;

/**
 * How a value's bytes are counted: as S3 stores it (its user guide's count: an RFC 2047-encoded value, which is how
 * S3 returns a non-ASCII one, decoded), or as it is sent, a count never below S3's, for a copy S3 refused all the same.
 */
export const MetadataCount = { asStored: 'as_stored', asSent: 'as_sent' } as const;
export type MetadataCount = (typeof MetadataCount)[keyof typeof MetadataCount];

/**
 * Provenance a backup can do without, dropped in this order: the function decides by the source version id and the
 * request id. The upload-in-parts mark qualifies Last-Modified, so it goes after it: Last-Modified is never kept
 * without its mark (read alone, it would look like a time that orders versions).
 */
const optionalProvenance: readonly string[] = [BackupMetadata.sourceSequencer, BackupMetadata.sourceLastModified, BackupMetadata.sourceUploadedInParts];

const sizeCounting = (count: MetadataCount) => (key: string, value: string) =>
  Buffer.byteLength(key) + Buffer.byteLength(count === MetadataCount.asStored ? decodeEncodedWords(value) : value);

export type FittedMetadata = { readonly metadata: Record<string, string>; readonly dropped: readonly string[] };

/**
 * The uploader's metadata with the kit's provenance, within S3's limit. An upload may use nearly all of it, and
 * its bytes must still be backed up: the optional provenance goes first, then the uploader's largest entries.
 */
export function fitMetadata(
  uploaded: Readonly<Record<string, string>>,
  provenance: Readonly<Record<string, string>>,
  count: MetadataCount = MetadataCount.asStored,
): FittedMetadata {
  const entrySize = sizeCounting(count);
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
