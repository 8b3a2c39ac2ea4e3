import { describe, expect, it } from 'vitest';
import { binarySize } from '../../handler/binary-size.js';

describe('binarySize', () => {
  it.each([
    [1023, undefined],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [5 * 1024 * 1024, '5.0 MiB'],
    [3 * 1024 ** 4, '3.0 TiB'],
    [2048 * 1024 ** 4, '2048.0 TiB'],
  ])('writes %i bytes as %s', (bytes, expected) => {
    // Act
    const written = binarySize(bytes);
    // Assess
    expect(written).toBe(expected);
  });
});
