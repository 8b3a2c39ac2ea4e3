import { describe, expect, it } from 'vitest';
import { planParts, taggingHeader } from '../../handler/multipart-copy.js';
import { MiB } from './support/fixtures.js';

const TiB = 1024 * 1024 * MiB;
const rangeOf = (range: string) => range.replace('bytes=', '').split('-').map(Number) as [number, number];

describe('planParts', () => {
  it.each([
    [100 * MiB + 123, 16 * MiB],
    [64 * MiB, 64 * MiB],
    [5 * TiB, 5 * MiB],
  ])('covers %i bytes contiguously in parts of at least %i bytes, numbered from 1', (size, partSize) => {
    // Act
    const parts = planParts(size, partSize);
    // Assess
    parts.forEach(({ partNumber, range }, i) => {
      const [start, end] = rangeOf(range);
      expect(partNumber).toBe(i + 1);
      expect(start).toBe(i === 0 ? 0 : rangeOf(parts[i - 1]!.range)[1] + 1);
      if (i < parts.length - 1) expect(end - start + 1).toBeGreaterThanOrEqual(partSize);
    });
    expect(rangeOf(parts.at(-1)!.range)[1]).toBe(size - 1);
  });

  it("raises the part size to stay within S3's 10,000 parts, in whole MiB", () => {
    // Act
    const parts = planParts(5 * TiB, 5 * MiB);
    // Assess
    expect(parts.length).toBeLessThanOrEqual(10_000);
    const [start, end] = rangeOf(parts[0]!.range);
    expect((end - start + 1) % MiB).toBe(0);
  });
});

describe('taggingHeader', () => {
  it('encodes tags as the query string CreateMultipartUpload takes, and nothing for none', () => {
    // Act
    const header = taggingHeader([{ Key: 'project', Value: 'a&b c' }, { Key: 'year', Value: '2026' }]);
    // Assess
    expect(header).toBe('project=a%26b+c&year=2026');
    expect(taggingHeader([])).toBeUndefined();
  });
});
