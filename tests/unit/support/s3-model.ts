import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCopyCommand,
  type AbortMultipartUploadCommandInput,
  type CompleteMultipartUploadCommandInput,
  type CopyObjectCommandInput,
  type CreateMultipartUploadCommandInput,
  type GetObjectTaggingCommandInput,
  type HeadObjectCommandInput,
  type ListObjectVersionsCommandInput,
  type PutObjectCommandInput,
  type PutObjectTaggingCommandInput,
  type S3ClientResolvedConfig,
  type StorageClass,
  type ArchiveStatus,
  type UploadPartCopyCommandInput,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type Tag,
} from '@aws-sdk/client-s3';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { CallJournal } from './call-journal.js';
import { keyBytes, MAX_KEY_BYTES } from '../../../scripts/lib/s3-key-limit.js';
import { awsError, BACKUP, INBOX } from './fixtures.js';

const MiB = 1024 * 1024;
/** S3's limits that a copy can run into. */
const MIN_PART_BYTES = 5 * MiB;
const MAX_PARTS = 10_000;
const MAX_METADATA_BYTES = 2048;
const MAX_TAGS = 10;

const contentHeaderNames = ['ContentType', 'CacheControl', 'ContentDisposition', 'ContentEncoding', 'ContentLanguage', 'Expires', 'WebsiteRedirectLocation'] as const;
type ContentHeaderName = (typeof contentHeaderNames)[number];
type Headers = Partial<Record<ContentHeaderName, string | Date>>;

/** What an object's bytes are, without holding them: an identity and a length (enough to check every copy). */
type Content = { readonly id: string; readonly size: number };

export type StoredVersion = {
  readonly versionId: string;
  readonly content: Content;
  readonly etag: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly headers: Headers;
  readonly tags: readonly Tag[];
  readonly encryption?: string;
  readonly lastModified: Date;
  /** Absent for STANDARD, as S3 reports it. */
  readonly storageClass?: string;
  /** An Intelligent-Tiering object's archive tier (ARCHIVE_ACCESS, DEEP_ARCHIVE_ACCESS), when it lies in one. */
  readonly archiveStatus?: string;
  /** An archived version's temporary copy is ready (RestoreObject finished). */
  readonly restored?: boolean;
  /** A delete marker: DeleteObject without a version id made it the key's current version. */
  readonly deleteMarker?: true;
};

/** Storage classes whose objects S3 copies only after a restore. */
const ARCHIVE_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE']);
const inArchive = (version: StoredVersion) =>
  ((version.storageClass !== undefined && ARCHIVE_CLASSES.has(version.storageClass)) || version.archiveStatus !== undefined) && !version.restored;

type Part = { readonly partNumber: number; readonly sourceId: string; readonly start: number; readonly end: number; readonly etag: string };
type Upload = {
  readonly bucket: string;
  readonly key: string;
  readonly metadata: Record<string, string>;
  readonly headers: Headers;
  readonly tags: Tag[];
  readonly encryption?: string;
  readonly parts: Map<number, Part>;
};

export type PutOptions = {
  body?: string;
  size?: number;
  metadata?: Record<string, string>;
  headers?: Headers;
  tags?: Tag[];
  writtenAt?: Date;
  /** Uploaded in that many parts: a multipart ETag ("…-N"), and S3 gives such a version its upload's start as Last-Modified. */
  uploadedInParts?: number;
  storageClass?: string;
  archiveStatus?: string;
};

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
/** Stands in for a CRC64NVME: equal for equal bytes, 8 bytes in base64. */
const crc64Of = (content: Content) => createHash('sha256').update(content.id).digest().subarray(0, 8).toString('base64');

/**
 * S3 stores user metadata keys lower-cased and refuses more than 2 KB of keys and values. Counted as sent: S3's user
 * guide counts an RFC 2047-encoded value decoded, and the function must also survive an S3 that counts it so.
 */
function storedMetadata(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const stored = Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key.toLowerCase(), value]));
  const bytes = Object.entries(stored).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
  if (bytes > MAX_METADATA_BYTES) throw awsError('MetadataTooLarge', 400);
  return stored;
}

function pickHeaders(input: Partial<Record<ContentHeaderName, unknown>>): Headers {
  return Object.fromEntries(contentHeaderNames.filter((name) => input[name] !== undefined).map((name) => [name, input[name]])) as Headers;
}

function parseTagging(query: string | undefined): Tag[] {
  const tags = [...new URLSearchParams(query ?? '').entries()].map(([Key, Value]) => ({ Key, Value }));
  if (tags.length > MAX_TAGS) throw awsError('BadRequest', 400);
  return tags;
}

const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** The SDK gives an Expires header as text (ExpiresString), and as a Date only when it is an HTTP date (`0` is not). */
function expiresAsTheSdkReadsIt(expires: string | Date | undefined): { Expires?: Date; ExpiresString?: string } {
  if (expires === undefined) return {};
  const text = expires instanceof Date ? expires.toUTCString() : expires;
  return { ExpiresString: text, Expires: HTTP_DATE.test(text) ? new Date(text) : undefined };
}

/**
 * A versioned S3 behind the mocked client, at least as strict as S3 where the handler depends on it:
 * metadata keys lower-cased, metadata and tagging directives honoured (a multipart copy carries neither),
 * VersionId on HeadObject, If-Match / If-None-Match on writes (412), part sizes and counts, contiguous
 * ranges, a 2 KB metadata limit, Last-Modified in whole seconds, full-object checksums when asked for.
 * Calls answer asynchronously, so concurrent invocations interleave.
 */
export class VersionedS3Model {
  private readonly buckets = new Map<string, Map<string, StoredVersion[]>>();
  private readonly uploads = new Map<string, Upload>();
  private counter = 0;
  /** Runs before every HeadObject: lets a test change a key under the handler. */
  onHead?: (bucket: string, key: string) => void;
  /** Runs when a call is made (`HeadObject <bucket>`, `CopyObject` …): a promise it returns holds the answer back. */
  holdAnswer?: (call: string) => Promise<void> | undefined;

  /** Buckets that exist before anything is written to them: the stack's inbox and backup bucket, and those created. */
  private readonly standing = new Set([INBOX, BACKUP]);

  constructor(private readonly journal?: CallJournal) {}

  /** A bucket that exists and holds nothing yet (any bucket a test writes to exists as well). */
  createBucket(bucket: string): void {
    this.standing.add(bucket);
  }

  put(bucket: string, key: string, options: PutOptions = {}): string {
    const body = options.body ?? `body ${++this.counter}`;
    return this.store(bucket, key, {
      content: { id: md5(body), size: options.size ?? Buffer.byteLength(body) },
      ...(options.uploadedInParts ? { etag: `"${md5(`${body} in parts`)}-${options.uploadedInParts}"` } : {}),
      metadata: storedMetadata(options.metadata),
      headers: options.headers ?? {},
      tags: options.tags ?? [],
      ...(options.storageClass && options.storageClass !== 'STANDARD' ? { storageClass: options.storageClass } : {}),
      ...(options.archiveStatus ? { archiveStatus: options.archiveStatus } : {}),
    }, options.writtenAt);
  }

  /** What RestoreObject leads to once it has finished: the archived version can be read and copied. */
  restoreArchived(bucket: string, key: string, versionId: string): void {
    const versions = this.versions(bucket, key);
    const index = versions.findIndex((version) => version.versionId === versionId);
    versions[index] = { ...versions[index]!, restored: true };
  }

  /** DeleteObject with a version id: that version is gone for good (a lifecycle rule expiring it does the same). */
  deleteVersion(bucket: string, key: string, versionId: string): void {
    const versions = this.versions(bucket, key);
    versions.splice(versions.findIndex((version) => version.versionId === versionId), 1);
  }

  /** DeleteObject without a version id on a versioned bucket: a delete marker becomes the current version. */
  deleteKey(bucket: string, key: string, writtenAt?: Date): string {
    return this.store(bucket, key, { content: { id: '', size: 0 }, metadata: {}, headers: {}, tags: [], deleteMarker: true }, writtenAt);
  }

  latest(bucket: string, key: string): StoredVersion | undefined {
    return this.versions(bucket, key).at(-1);
  }

  all(bucket: string, key: string): readonly StoredVersion[] {
    return this.versions(bucket, key);
  }

  count(bucket: string, key: string): number {
    return this.versions(bucket, key).length;
  }

  install(stub: AwsStub<ServiceInputTypes, ServiceOutputTypes, S3ClientResolvedConfig>): void {
    const answer = <I, O>(name: (input: I) => string, operation: (input: I) => O) => (input: I) => {
      const call = name(input);
      const done = this.journal?.begin(call);
      const held = this.holdAnswer?.(call) ?? Promise.resolve();
      return new Promise<O>((resolve, reject) => void held.then(() => setImmediate(() => {
        done?.();
        try {
          // S3 refuses a key longer than 1,024 bytes of UTF-8, in writes and reads alike (400 KeyTooLongError).
          const key = (input as { Key?: unknown }).Key;
          if (typeof key === 'string' && keyBytes(key) > MAX_KEY_BYTES) throw awsError('KeyTooLongError', 400);
          resolve(operation(input));
        } catch (error) {
          reject(error);
        }
      })));
    };
    const named = (name: string) => () => name;
    stub.on(PutObjectCommand).callsFake(answer(named('PutObject'), (input: PutObjectCommandInput) => this.putObject(input)));
    stub.on(HeadObjectCommand).callsFake(answer((input: HeadObjectCommandInput) => `HeadObject ${input.Bucket}`, (input: HeadObjectCommandInput) => this.headObject(input)));
    stub.on(GetObjectTaggingCommand).callsFake(answer(named('GetObjectTagging'), (input: GetObjectTaggingCommandInput) => this.getObjectTagging(input)));
    stub.on(PutObjectTaggingCommand).callsFake(answer(named('PutObjectTagging'), (input: PutObjectTaggingCommandInput) => this.putObjectTagging(input)));
    stub.on(ListObjectVersionsCommand).callsFake(answer(named('ListObjectVersions'), (input: ListObjectVersionsCommandInput) => this.listObjectVersions(input)));
    stub.on(CopyObjectCommand).callsFake(answer(named('CopyObject'), (input: CopyObjectCommandInput) => this.copyObject(input)));
    stub.on(CreateMultipartUploadCommand).callsFake(answer(named('CreateMultipartUpload'), (input: CreateMultipartUploadCommandInput) => this.createMultipartUpload(input)));
    stub.on(UploadPartCopyCommand).callsFake(answer(named('UploadPartCopy'), (input: UploadPartCopyCommandInput) => this.uploadPartCopy(input)));
    stub.on(CompleteMultipartUploadCommand).callsFake(answer(named('CompleteMultipartUpload'), (input: CompleteMultipartUploadCommandInput) => this.completeMultipartUpload(input)));
    stub.on(AbortMultipartUploadCommand).callsFake(answer(named('AbortMultipartUpload'), (input: AbortMultipartUploadCommandInput) => this.abortMultipartUpload(input)));
  }

  putObject(input: PutObjectCommandInput) {
    this.checkCondition(input.Bucket!, input.Key!, input);
    const versionId = this.put(input.Bucket!, input.Key!, { body: String(input.Body ?? ''), metadata: input.Metadata, headers: pickHeaders(input), tags: parseTagging(input.Tagging) });
    return { VersionId: versionId, ETag: this.latest(input.Bucket!, input.Key!)!.etag };
  }

  headObject(input: HeadObjectCommandInput) {
    this.onHead?.(input.Bucket!, input.Key!);
    const version = this.find(input.Bucket!, input.Key!, input.VersionId);
    // S3 keeps a full-object CRC64NVME of every object's bytes and reports it when asked.
    const checksum = input.ChecksumMode === 'ENABLED' ? { ChecksumCRC64NVME: crc64Of(version.content), ChecksumType: 'FULL_OBJECT' as const } : {};
    return {
      ...checksum,
      VersionId: version.versionId,
      ETag: version.etag,
      ContentLength: version.content.size,
      // Last-Modified is an HTTP date: whole seconds.
      LastModified: new Date(Math.floor(version.lastModified.getTime() / 1000) * 1000),
      Metadata: { ...version.metadata },
      ServerSideEncryption: version.encryption,
      ...(version.storageClass ? { StorageClass: version.storageClass as StorageClass } : {}),
      ...(version.archiveStatus ? { ArchiveStatus: version.archiveStatus as ArchiveStatus } : {}),
      ...(version.restored ? { Restore: 'ongoing-request="false", expiry-date="Fri, 01 Jan 2100 00:00:00 GMT"' } : {}),
      // x-amz-tagging-count: absent for a version with no tags.
      ...(version.tags.length > 0 ? { TagCount: version.tags.length } : {}),
      ...version.headers,
      ...expiresAsTheSdkReadsIt(version.headers.Expires),
    };
  }

  getObjectTagging(input: GetObjectTaggingCommandInput) {
    const version = this.find(input.Bucket!, input.Key!, input.VersionId);
    return { VersionId: version.versionId, TagSet: [...version.tags] };
  }

  /** Replaces one version's tags (the current one's without a version id); its bytes, metadata and ETag stay. */
  putObjectTagging(input: PutObjectTaggingCommandInput) {
    const version = this.find(input.Bucket!, input.Key!, input.VersionId);
    const tags = input.Tagging?.TagSet ?? [];
    if (tags.length > MAX_TAGS) throw awsError('BadRequest', 400);
    const versions = this.versions(input.Bucket!, input.Key!);
    versions[versions.indexOf(version)] = { ...version, tags: [...tags] };
    return { VersionId: version.versionId };
  }

  listObjectVersions(input: ListObjectVersionsCommandInput) {
    // S3 answers a listing of a bucket that does not exist with NoSuchBucket: only the kit's two buckets and those a
    // test wrote to exist here.
    const stored = this.buckets.get(input.Bucket!);
    if (!stored && !this.standing.has(input.Bucket!)) throw awsError('NoSuchBucket', 404);
    const keys = [...(stored?.keys() ?? [])].filter((key) => key.startsWith(input.Prefix ?? '')).sort();
    // Asked for URL-encoded names, S3 encodes them (a space as +) and says so.
    const encoded = input.EncodingType === 'url';
    const listed = (key: string) => (encoded ? encodeURIComponent(key).replaceAll('%2F', '/').replaceAll('%20', '+') : key);
    const versions = keys.flatMap((key) =>
      [...this.versions(input.Bucket!, key)]
        .reverse()
        // S3 lists LastModified in whole seconds, as HeadObject gives it.
        .map((v, i) => ({ key, marker: v.deleteMarker === true, Key: listed(key), VersionId: v.versionId, IsLatest: i === 0, Size: v.content.size, ETag: v.etag, LastModified: new Date(Math.floor(v.lastModified.getTime() / 1000) * 1000) })),
    );
    // A page starts after the markers the previous one ended with, as S3's do: after KeyMarker's last version,
    // or after VersionIdMarker within KeyMarker.
    const after = (index: number) => (index === -1 ? versions.length : index);
    const from =
      input.KeyMarker === undefined
        ? 0
        : input.VersionIdMarker === undefined
          ? after(versions.findIndex((v) => v.key > input.KeyMarker!))
          : after(versions.findIndex((v) => v.key === input.KeyMarker && v.VersionId === input.VersionIdMarker)) + 1;
    // One page of at most MaxKeys (S3's default and limit: 1,000), saying whether more follow and where.
    const size = Math.min(input.MaxKeys ?? 1000, 1000);
    const page = versions.slice(from, from + size);
    const truncated = from + size < versions.length;
    const last = page.at(-1);
    // Delete markers count towards a page as versions do, and are listed apart, without size or ETag.
    return {
      Versions: page.filter((v) => !v.marker).map(({ key: _key, marker: _marker, ...version }) => version),
      ...(page.some((v) => v.marker)
        ? { DeleteMarkers: page.filter((v) => v.marker).map(({ Key, VersionId, IsLatest, LastModified }) => ({ Key, VersionId, IsLatest, LastModified })) }
        : {}),
      IsTruncated: truncated,
      ...(truncated && last ? { NextKeyMarker: last.Key, NextVersionIdMarker: last.VersionId } : {}),
      ...(encoded ? { EncodingType: 'url' as const } : {}),
    };
  }

  copyObject(input: CopyObjectCommandInput) {
    const source = this.copySource(input.CopySource);
    if (source.content.size > 5 * 1024 * MiB) throw awsError('InvalidRequest', 400);
    this.checkCondition(input.Bucket!, input.Key!, input);
    const replaceMetadata = input.MetadataDirective === 'REPLACE';
    const replaceTags = input.TaggingDirective === 'REPLACE';
    const versionId = this.store(input.Bucket!, input.Key!, {
      content: source.content,
      metadata: replaceMetadata ? storedMetadata(input.Metadata) : source.metadata,
      // S3's CopyObject reference: the website redirect is never copied, whichever the directive, only set when sent.
      headers: replaceMetadata ? pickHeaders(input) : { ...source.headers, WebsiteRedirectLocation: input.WebsiteRedirectLocation },
      tags: replaceTags ? parseTagging(input.Tagging) : source.tags,
      encryption: input.ServerSideEncryption,
    });
    return { VersionId: versionId, CopyObjectResult: { ETag: this.latest(input.Bucket!, input.Key!)!.etag } };
  }

  createMultipartUpload(input: CreateMultipartUploadCommandInput) {
    const uploadId = `upload-${++this.counter}`;
    this.uploads.set(uploadId, {
      bucket: input.Bucket!,
      key: input.Key!,
      metadata: storedMetadata(input.Metadata),
      headers: pickHeaders(input),
      tags: parseTagging(input.Tagging),
      encryption: input.ServerSideEncryption,
      parts: new Map(),
    });
    return { UploadId: uploadId };
  }

  uploadPartCopy(input: UploadPartCopyCommandInput) {
    const upload = this.upload(input.UploadId, input.Bucket, input.Key);
    if (!input.PartNumber || input.PartNumber < 1 || input.PartNumber > MAX_PARTS) throw awsError('InvalidArgument', 400);
    const source = this.copySource(input.CopySource);
    const range = /^bytes=(\d+)-(\d+)$/.exec(input.CopySourceRange ?? '');
    const start = Number(range?.[1]);
    const end = Number(range?.[2]);
    if (!range || start > end || end >= source.content.size) throw awsError('InvalidRange', 416);
    const etag = `"${md5(`${source.content.id}:${start}-${end}`)}"`;
    upload.parts.set(input.PartNumber, { partNumber: input.PartNumber, sourceId: source.content.id, start, end, etag });
    return { CopyPartResult: { ETag: etag } };
  }

  completeMultipartUpload(input: CompleteMultipartUploadCommandInput) {
    const upload = this.upload(input.UploadId, input.Bucket, input.Key);
    const listed = input.MultipartUpload?.Parts ?? [];
    const parts = listed.map((entry, i) => {
      const part = upload.parts.get(entry.PartNumber ?? -1);
      if (!part || part.etag !== entry.ETag) throw awsError('InvalidPart', 400);
      if (i > 0 && (listed[i - 1]?.PartNumber ?? 0) >= part.partNumber) throw awsError('InvalidPartOrder', 400);
      return part;
    });
    if (parts.length === 0) throw awsError('MalformedXML', 400);
    parts.forEach((part, i) => {
      if (i < parts.length - 1 && part.end - part.start + 1 < MIN_PART_BYTES) throw awsError('EntityTooSmall', 400);
    });
    this.checkCondition(upload.bucket, upload.key, input);
    // The object's bytes are the source's only when the ranges cover it contiguously from byte 0.
    const contiguous = parts.every((part, i) => part.sourceId === parts[0]!.sourceId && part.start === (i === 0 ? 0 : parts[i - 1]!.end + 1));
    const size = parts.reduce((sum, part) => sum + part.end - part.start + 1, 0);
    const content = contiguous ? { id: parts[0]!.sourceId, size } : { id: md5(parts.map((p) => p.etag).join()), size };
    const versionId = this.store(upload.bucket, upload.key, {
      content,
      etag: `"${md5(parts.map((p) => p.etag).join(''))}-${parts.length}"`,
      metadata: upload.metadata,
      headers: upload.headers,
      tags: upload.tags,
      encryption: upload.encryption,
    });
    this.uploads.delete(input.UploadId!);
    return { VersionId: versionId, ETag: this.latest(upload.bucket, upload.key)!.etag };
  }

  abortMultipartUpload(input: AbortMultipartUploadCommandInput) {
    this.upload(input.UploadId, input.Bucket, input.Key);
    this.uploads.delete(input.UploadId!);
    return {};
  }

  /** Uploads still open (neither completed nor aborted). */
  openUploads(): number {
    return this.uploads.size;
  }

  private store(bucket: string, key: string, version: Omit<StoredVersion, 'versionId' | 'etag' | 'lastModified'> & { etag?: string }, writtenAt = new Date()): string {
    const versionId = `v${++this.counter}`;
    this.versions(bucket, key).push({ ...version, versionId, etag: version.etag ?? `"${md5(version.content.id)}"`, lastModified: writtenAt });
    return versionId;
  }

  private find(bucket: string, key: string, versionId: string | undefined): StoredVersion {
    const versions = this.versions(bucket, key);
    const version = versionId === undefined ? versions.at(-1) : versions.find((v) => v.versionId === versionId);
    if (!version) throw versionId === undefined ? awsError('NotFound', 404) : awsError('NoSuchVersion', 404);
    // A current delete marker reads as no object; a delete marker named by its version id cannot be read at all.
    if (version.deleteMarker) throw versionId === undefined ? awsError('NotFound', 404) : awsError('MethodNotAllowed', 405);
    return version;
  }

  private checkCondition(bucket: string, key: string, input: { IfMatch?: string; IfNoneMatch?: string }): void {
    // Behind a delete marker the key holds no object: If-None-Match: * writes, If-Match finds nothing.
    const latest = this.latest(bucket, key);
    const current = latest?.deleteMarker ? undefined : latest;
    if (input.IfNoneMatch !== undefined && (input.IfNoneMatch !== '*' || current)) throw awsError('PreconditionFailed', 412);
    if (input.IfMatch !== undefined) {
      if (!current) throw awsError('NoSuchKey', 404);
      if (current.etag.replace(/"/g, '') !== input.IfMatch.replace(/"/g, '')) throw awsError('PreconditionFailed', 412);
    }
  }

  /** `bucket/url-encoded key?versionId=…`, as S3 reads the x-amz-copy-source header. */
  private copySource(copySource: string | undefined): StoredVersion {
    const [path = '', query = ''] = (copySource ?? '').split('?');
    const slash = path.indexOf('/');
    const bucket = path.slice(0, slash);
    const key = decodeURIComponent(path.slice(slash + 1));
    const version = this.find(bucket, key, new URLSearchParams(query).get('versionId') ?? undefined);
    // "The source object of the COPY action is not in the active tier and is only stored in Amazon S3 Glacier."
    if (inArchive(version)) throw awsError('ObjectNotInActiveTierError', 403);
    return version;
  }

  private upload(uploadId: string | undefined, bucket: string | undefined, key: string | undefined): Upload {
    const upload = this.uploads.get(uploadId ?? '');
    if (!upload || upload.bucket !== bucket || upload.key !== key) throw awsError('NoSuchUpload', 404);
    return upload;
  }

  private versions(bucket: string, key: string): StoredVersion[] {
    let keys = this.buckets.get(bucket);
    if (!keys) this.buckets.set(bucket, (keys = new Map()));
    let versions = keys.get(key);
    if (!versions) keys.set(key, (versions = []));
    return versions;
  }
}
