import { describe, expect, it } from 'vitest';
import { compareContent, contentFacts } from '../../handler/content.js';

describe('compareContent', () => {
  it.each([
    [{ ContentLength: 3, ETag: '"a"' }, { ContentLength: 4, ETag: '"a"' }, false, 'size'],
    [{ ContentLength: 3, ChecksumCRC64NVME: 'x', ETag: '"a"' }, { ContentLength: 3, ChecksumCRC64NVME: 'x', ETag: '"b"' }, true, 'checksum'],
    [{ ContentLength: 3, ChecksumCRC32: 'x' }, { ContentLength: 3, ChecksumCRC32: 'y' }, false, 'checksum'],
    [{ ContentLength: 3, ETag: '"abc"' }, { ContentLength: 3, ETag: 'abc' }, true, 'etag'],
    [{ ContentLength: 3, ETag: '"abc"' }, { ContentLength: 3, ETag: '"abd"' }, false, 'etag'],
    [{ ContentLength: 3, ETag: '"abc-2"' }, { ContentLength: 3, ETag: '"abd"' }, true, 'size'],
    [{ ContentLength: 3, ChecksumCRC32: 'x', ChecksumType: 'COMPOSITE' as const }, { ContentLength: 3, ChecksumCRC32: 'y' }, true, 'size'],
    // An SSE-KMS or SSE-C object's ETag is not the MD5 of its bytes; the backup's (SSE-S3) is.
    [{ ContentLength: 3, ETag: '"4b1d"', ServerSideEncryption: 'aws:kms' as const }, { ContentLength: 3, ETag: '"abc"', ServerSideEncryption: 'AES256' as const }, true, 'size'],
    [{ ContentLength: 3, ETag: '"4b1d"', ServerSideEncryption: 'aws:kms:dsse' as const }, { ContentLength: 3, ETag: '"abc"' }, true, 'size'],
    [{ ContentLength: 3, ETag: '"4b1d"', SSECustomerAlgorithm: 'AES256' }, { ContentLength: 3, ETag: '"abc"' }, true, 'size'],
    [{ ContentLength: 3, ETag: '"abc"', ServerSideEncryption: 'AES256' as const }, { ContentLength: 3, ETag: '"abd"' }, false, 'etag'],
  ])('compares %j with %j: same=%s by %s', (a, b, same, by) => {
    // Act
    const comparison = compareContent(contentFacts(a), contentFacts(b));
    // Assess
    expect(comparison).toMatchObject({ same, by });
  });
});
