import { describe, expect, it } from 'vitest';
import { copySourceFor } from '../../handler/copy-source.js';

function decodeCopySource(copySource: string) {
  const [path = '', query = ''] = copySource.split('?');
  const slash = path.indexOf('/');
  return { bucket: path.slice(0, slash), key: decodeURIComponent(path.slice(slash + 1)), versionId: new URLSearchParams(query).get('versionId') };
}

describe('copySourceFor', () => {
  it.each([
    ['plain.txt'],
    ['folder/with space/a b.txt'],
    ['plus+sign.txt'],
    ['percent%20literal.txt'],
    ['question?and#hash&amp=1.txt'],
    ['日本語/ファイル.pdf'],
    ['emoji 📦/naïve café.txt'],
    ['x'.repeat(1024)],
    ['é'.repeat(512)],
  ])('encodes %s so that S3 decodes exactly that key', (key) => {
    // Act
    const copySource = copySourceFor('inbox-bucket', key, 'ver/si+on=1');
    // Assess
    expect(copySource).toMatch(/^[\x21-\x7e]+$/);
    expect(decodeCopySource(copySource)).toEqual({ bucket: 'inbox-bucket', key, versionId: 'ver/si+on=1' });
  });

  it('keeps the slashes between key segments', () => {
    // Act
    const copySource = copySourceFor('b', 'a/b c/d', 'v1');
    // Assess
    expect(copySource).toBe('b/a/b%20c/d?versionId=v1');
  });
});
