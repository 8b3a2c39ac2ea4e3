/**
 * Orders two S3 sequencers of the same key: right-pad the shorter with zeros, then compare as strings.
 * Returns a negative number when `a` is older, 0 when they are equal, positive when `a` is newer.
 */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const left = a.toUpperCase().padEnd(width, '0');
  const right = b.toUpperCase().padEnd(width, '0');
  return left < right ? -1 : left > right ? 1 : 0;
}
