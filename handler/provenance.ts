/**
 * User metadata the function writes on every backup version about where it came from. Only the function
 * writes these keys, from what it observed: any of them arriving with an upload (or with a file restored from
 * the backup) is dropped before the copy. S3 lower-cases metadata keys, so these are lower-case.
 */
export const BackupMetadata = {
  sourceVersionId: 'source-version-id',
  sourceSequencer: 'source-sequencer',
  /** When the source version was written: restore AT=<time> picks by it. */
  sourceLastModified: 'source-last-modified',
  /**
   * "true" when the source was uploaded in parts: S3 then gives it the start of its upload as Last-Modified, which
   * orders it before versions written while it was uploading, so the function does not order versions by it.
   */
  sourceUploadedInParts: 'source-uploaded-in-parts',
  /** The Lambda request that wrote the copy; a retry of that request knows its receipt may be missing. */
  requestId: 'backup-request-id',
} as const;

export type Provenance = {
  readonly sourceVersionId?: string;
  readonly sourceSequencer?: string;
  readonly sourceLastModified?: string;
  readonly sourceUploadedInParts?: string;
  readonly requestId?: string;
};

const provenanceKeys: ReadonlySet<string> = new Set(Object.values(BackupMetadata));

/** Whether a metadata key is one of the kit's provenance keys, whatever its case. */
export const isProvenanceKey = (key: string): boolean => provenanceKeys.has(key.toLowerCase());

/** The user metadata without the kit's provenance keys, whatever their case. */
export function withoutProvenance(metadata: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => !isProvenanceKey(key)));
}

/** The provenance a backup version carries (S3 returns metadata keys lower-cased). */
export function provenanceOf(metadata: Readonly<Record<string, string>> | undefined): Provenance {
  return {
    sourceVersionId: metadata?.[BackupMetadata.sourceVersionId],
    sourceSequencer: metadata?.[BackupMetadata.sourceSequencer],
    sourceLastModified: metadata?.[BackupMetadata.sourceLastModified],
    sourceUploadedInParts: metadata?.[BackupMetadata.sourceUploadedInParts],
    requestId: metadata?.[BackupMetadata.requestId],
  };
}

/** The metadata entries to write on a new backup version. */
export function provenanceMetadata(provenance: Provenance): Record<string, string> {
  const entries: [string, string | undefined][] = [
    [BackupMetadata.sourceVersionId, provenance.sourceVersionId],
    [BackupMetadata.sourceSequencer, provenance.sourceSequencer],
    [BackupMetadata.sourceLastModified, provenance.sourceLastModified],
    [BackupMetadata.sourceUploadedInParts, provenance.sourceUploadedInParts],
    [BackupMetadata.requestId, provenance.requestId],
  ];
  return Object.fromEntries(entries.filter((entry): entry is [string, string] => entry[1] !== undefined));
}
