import { describe, expect, it } from 'vitest';
import { parseDestination, RestoreRequestError } from '../../scripts/lib/restore.js';

describe('parseDestination', () => {
  it.each([
    ['my-bucket', ''],
    ['my-bucket/', ''],
    ['my-bucket/restored/', 'restored/'],
    ['my-bucket/restored', 'restored/'],
    ['my-bucket/2026/nov', '2026/nov/'],
  ])('reads TO=%s as a folder of the bucket', (to, prefix) => {
    // Act
    const destination = parseDestination(to, 'the-inbox');
    // Assess
    expect(destination).toEqual({ bucket: 'my-bucket', prefix });
  });

  it('restores into the inbox without TO, and refuses when there is none', () => {
    // Assess
    expect(parseDestination(undefined, 'the-inbox')).toEqual({ bucket: 'the-inbox', prefix: '' });
    expect(() => parseDestination(undefined, undefined)).toThrow(RestoreRequestError);
  });
});
