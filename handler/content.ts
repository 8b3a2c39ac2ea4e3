import type { HeadObjectCommandOutput } from '@aws-sdk/client-s3';

const checksumAlgorithms = ['CRC64NVME', 'CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const;
type ChecksumAlgorithm = (typeof checksumAlgorithms)[number];

/** What a HeadObject says about an object's bytes, without reading them. */
export type ContentFacts = {
  readonly size: number;
  readonly etag?: string;
  /** Full-object checksums only: a composite (per-part) checksum depends on how the object was uploaded. */
  readonly checksums: Readonly<Partial<Record<ChecksumAlgorithm, string>>>;
};

export const ComparedBy = { checksum: 'checksum', etag: 'etag', size: 'size' } as const;
export type ComparedBy = (typeof ComparedBy)[keyof typeof ComparedBy];

export type ContentComparison = { readonly same: boolean; readonly by: ComparedBy; readonly detail: string };

export function contentFacts(head: Omit<HeadObjectCommandOutput, '$metadata'>): ContentFacts {
  const fullObject = head.ChecksumType === undefined || head.ChecksumType === 'FULL_OBJECT';
  const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
  if (fullObject) {
    for (const algorithm of checksumAlgorithms) {
      const value = head[`Checksum${algorithm}`];
      if (value) checksums[algorithm] = value;
    }
  }
  // S3: the ETag of an object under SSE-KMS (DSSE-KMS included) or SSE-C is not the MD5 of its bytes.
  const etagIsMd5 = !head.SSECustomerAlgorithm && !head.ServerSideEncryption?.startsWith('aws:kms');
  return { size: head.ContentLength ?? 0, ...(etagIsMd5 ? { etag: head.ETag } : {}), checksums };
}

/** Whether an ETag is a multipart upload's ("…-N"), which depends on the part sizes, not only on the bytes. */
export const isMultipartEtag = (etag: string | undefined) => etag?.includes('-') ?? false;

/** A single-part ETag is the MD5 of the bytes (of a plain or SSE-S3 object). */
const md5Etag = (etag: string | undefined) => (etag && !isMultipartEtag(etag) ? etag.replace(/"/g, '') : undefined);

/**
 * Whether two objects hold the same bytes, by the strongest evidence both HEADs give: a full-object checksum
 * of the same algorithm, else single-part ETags, else the size.
 */
export function compareContent(a: ContentFacts, b: ContentFacts): ContentComparison {
  if (a.size !== b.size) return { same: false, by: ComparedBy.size, detail: `${a.size} vs ${b.size} bytes` };
  const algorithm = checksumAlgorithms.find((name) => a.checksums[name] && b.checksums[name]);
  if (algorithm) {
    const same = a.checksums[algorithm] === b.checksums[algorithm];
    return { same, by: ComparedBy.checksum, detail: `${algorithm} ${a.checksums[algorithm]}${same ? '' : ` vs ${b.checksums[algorithm]}`}` };
  }
  const [left, right] = [md5Etag(a.etag), md5Etag(b.etag)];
  if (left && right) return { same: left === right, by: ComparedBy.etag, detail: left === right ? `ETag ${left}` : `ETag ${left} vs ${right}` };
  return { same: true, by: ComparedBy.size, detail: `${a.size} bytes` };
}
