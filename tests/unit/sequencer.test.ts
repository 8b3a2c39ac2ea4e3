import { describe, expect, it } from 'vitest';
import { compareSequencers } from '../../handler/sequencer.js';

describe('compareSequencers', () => {
  it.each([
    ['0055AED6DCD90281E5', '0055AED6DCD90281E6', -1],
    ['0055AED6DCD90281E6', '0055AED6DCD90281E5', 1],
    ['0055AED6DCD90281E5', '0055AED6DCD90281E5', 0],
    // Right-padding: "0A" is "0A00" when compared with "0A01".
    ['0A', '0A01', -1],
    ['0B', '0A01', 1],
    ['0a01', '0A01', 0],
  ])('compares %s with %s as %i', (a, b, expected) => {
    // Act
    const result = compareSequencers(a, b);
    // Assess
    expect(Math.sign(result)).toBe(expected);
  });
});
