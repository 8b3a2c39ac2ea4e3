import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { decodeListedName, listObjectVersions } from '../../handler/list-object-versions.js';

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

describe('decodeListedName', () => {
  it.each([
    ['a+b.txt', 'a b.txt'],
    ['a%2Bb.txt', 'a+b.txt'],
    ['100%25.csv', '100%.csv'],
    ['line%0Dbreak.txt', 'line\rbreak.txt'],
    ['%ED%95%9C%EA%B8%80/x.txt', '한글/x.txt'],
  ])('reads %s, listed URL-encoded, as %j', (listed, stored) => {
    // Assess
    expect(decodeListedName(listed, 'url')).toBe(stored);
  });

  it('keeps a name listed as stored, where a plus is a plus, when the listing says it did not encode', () => {
    // Assess
    expect(decodeListedName('a+b%20.txt', undefined)).toBe('a+b%20.txt');
  });
});

describe('listObjectVersions', () => {
  it('asks for URL-encoded names and answers them as stored: keys, markers, prefix and folders', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand).resolves({
      EncodingType: 'url',
      Prefix: 'my+docs/',
      NextKeyMarker: 'my+docs/cr%0D.txt',
      Versions: [{ Key: 'my+docs/cr%0D.txt', VersionId: 'v1' }],
      DeleteMarkers: [{ Key: 'my+docs/a%2Bb.txt', VersionId: 'v2' }],
      CommonPrefixes: [{ Prefix: 'my+docs/sub+folder/' }],
    });
    // Act
    const page = await listObjectVersions(s3 as unknown as S3Client, { Bucket: 'the-backups', Prefix: 'my docs/' });
    // Assess
    expect(s3.commandCalls(ListObjectVersionsCommand)[0]!.args[0].input).toEqual({ Bucket: 'the-backups', Prefix: 'my docs/', EncodingType: 'url' });
    expect([page.Prefix, page.NextKeyMarker, page.Versions?.[0]?.Key, page.DeleteMarkers?.[0]?.Key, page.CommonPrefixes?.[0]?.Prefix]).toEqual([
      'my docs/',
      'my docs/cr\r.txt',
      'my docs/cr\r.txt',
      'my docs/a+b.txt',
      'my docs/sub folder/',
    ]);
  });
});
