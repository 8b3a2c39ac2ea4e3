import { describe, expect, it } from 'vitest';
import { decodeKey, parseS3Event } from '../../handler/event.js';
import { eventFor, recordFor } from './support/fixtures.js';

describe('decodeKey', () => {
  it.each([
    ['photos/a+b.jpg', 'photos/a b.jpg'],
    ['photos/a%2Bb.jpg', 'photos/a+b.jpg'],
    ['100%25+done.txt', '100% done.txt'],
    ['%E6%97%A5%E6%9C%AC/caf%C3%A9.pdf', '日本/café.pdf'],
  ])('decodes %s as %s', (encoded, decoded) => {
    // Act
    const key = decodeKey(encoded);
    // Assess
    expect(key).toBe(decoded);
  });
});

describe('parseS3Event', () => {
  it('decodes the key and keeps version id, sequencer and size', () => {
    // Prepare
    const event = eventFor('inbox/tax return 2026+final.pdf', { versionId: 'v1', sequencer: '0A1B', size: 42 });
    // Act
    const parsed = parseS3Event(event);
    // Assess
    expect(parsed.records).toEqual([
      expect.objectContaining({ key: 'inbox/tax return 2026+final.pdf', versionId: 'v1', sequencer: '0A1B', size: 42 }),
    ]);
  });

  it('ignores an s3:TestEvent, which has no Records', () => {
    // Act
    const parsed = parseS3Event({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' });
    // Assess
    expect(parsed).toEqual({ records: [], ignored: [expect.objectContaining({ eventName: 's3:TestEvent' })], malformed: [] });
  });

  it('ignores records that are not ObjectCreated', () => {
    // Act
    const parsed = parseS3Event({ Records: [recordFor('a.txt', { eventName: 'ObjectRemoved:Delete' })] });
    // Assess
    expect(parsed.records).toEqual([]);
    expect(parsed.ignored).toEqual([expect.objectContaining({ index: 0, eventName: 'ObjectRemoved:Delete' })]);
  });

  it('counts a malformed record without losing the valid ones around it', () => {
    // Prepare
    const broken = { eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' } } };
    const badEncoding = recordFor('x');
    badEncoding.s3.object.key = 'bad%E0%A4%A.txt';
    // Act
    const parsed = parseS3Event({ Records: [recordFor('first.txt'), broken, badEncoding, recordFor('last.txt')] });
    // Assess
    expect(parsed.records.map((r) => r.key)).toEqual(['first.txt', 'last.txt']);
    expect(parsed.malformed).toEqual([
      { index: 1, reason: expect.stringContaining('s3.object') },
      { index: 2, reason: expect.stringContaining('not valid URL encoding') },
    ]);
  });

  it.each([null, 'text', { Records: 'no list' }, { something: 'else' }])('reports %j as malformed instead of throwing', (event) => {
    // Act
    const parsed = parseS3Event(event);
    // Assess
    expect(parsed.records).toEqual([]);
    expect(parsed.malformed).toHaveLength(1);
  });
});
