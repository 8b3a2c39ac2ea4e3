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
      { index: 2, reason: expect.stringContaining('not valid URL encoding'), key: 'bad%E0%A4%A.txt' },
    ]);
  });

  it('names the key of a record dropped for another field, decoded where it can be, for the log', () => {
    // Prepare
    const noEventName = recordFor('docs/my+file.txt') as { eventName?: string };
    delete noEventName.eventName;
    const badVersion = recordFor('docs/a b.txt');
    (badVersion.s3.object as { versionId?: unknown }).versionId = 42;
    const badEncoding = recordFor('x');
    badEncoding.s3.object.key = 'bad%E0%A4%A.txt';
    // Act
    const parsed = parseS3Event({ Records: [noEventName, badVersion, badEncoding] });
    // Assess
    expect(parsed.malformed.map((bad) => [bad.reason.split(':')[0], bad.key])).toEqual([
      ['eventName', 'docs/my+file.txt'],
      ['s3.object.versionId', 'docs/a b.txt'],
      ['s3.object.key', 'bad%E0%A4%A.txt'],
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

describe('parseS3Event with wrapped notifications', () => {
  const s3Event = eventFor('folder/a b+c.txt', { versionId: 'v1', sequencer: '0A' });

  it('unwraps an S3 notification delivered through SQS', () => {
    // Act
    const parsed = parseS3Event({ Records: [{ eventSource: 'aws:sqs', body: JSON.stringify(s3Event) }] });
    // Assess
    expect(parsed.records).toEqual([expect.objectContaining({ key: 'folder/a b+c.txt', versionId: 'v1', sequencer: '0A' })]);
  });

  it('unwraps an S3 notification delivered through SNS, and SNS through SQS', () => {
    // Prepare
    const snsRecord = { EventSource: 'aws:sns', Sns: { Message: JSON.stringify(s3Event) } };
    const snsInSqs = { eventSource: 'aws:sqs', body: JSON.stringify({ Type: 'Notification', Message: JSON.stringify(s3Event) }) };
    // Act
    const parsed = parseS3Event({ Records: [snsRecord, snsInSqs] });
    // Assess
    expect(parsed.records.map((r) => r.key)).toEqual(['folder/a b+c.txt', 'folder/a b+c.txt']);
  });

  it('names the outermost SQS message that carried each record, and none for records that came another way', () => {
    // Prepare: SQS carrying SNS carrying S3; SQS carrying SQS (a redriven dead letter); SNS alone
    const viaSns = { eventSource: 'aws:sqs', messageId: 'm-1', body: JSON.stringify({ Type: 'Notification', Message: JSON.stringify(s3Event) }) };
    const twice = { eventSource: 'aws:sqs', messageId: 'm-outer', body: JSON.stringify({ Records: [{ eventSource: 'aws:sqs', messageId: 'm-inner', body: JSON.stringify(s3Event) }] }) };
    const snsAlone = { EventSource: 'aws:sns', Sns: { Message: JSON.stringify(s3Event) } };
    // Act
    const parsed = parseS3Event({ Records: [viaSns, twice, snsAlone] });
    // Assess
    expect(parsed.records.map((record) => record.sqsMessageId)).toEqual(['m-1', 'm-outer', undefined]);
  });

  it('reads an EventBridge "Object Created" event, whose key is not URL-encoded', () => {
    // Prepare
    const event = {
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: 'inbox' }, object: { key: 'raw/a+b 10:47.zip', size: 7, 'version-id': 'v3', sequencer: '0064D3901D00059242' } },
    };
    // Act
    const parsed = parseS3Event(event);
    // Assess
    expect(parsed.records).toEqual([{ bucket: 'inbox', key: 'raw/a+b 10:47.zip', eventName: 'ObjectCreated:EventBridge', versionId: 'v3', sequencer: '0064D3901D00059242', size: 7 }]);
  });

  it('ignores other EventBridge events and test events inside SQS', () => {
    // Act
    const deleted = parseS3Event({ source: 'aws.s3', 'detail-type': 'Object Deleted', detail: {} });
    const test = parseS3Event({ Records: [{ eventSource: 'aws:sqs', body: JSON.stringify({ Event: 's3:TestEvent' }) }] });
    // Assess
    expect(deleted.ignored).toEqual([expect.objectContaining({ eventName: 'Object Deleted' })]);
    expect(test.ignored).toEqual([expect.objectContaining({ eventName: 's3:TestEvent' })]);
  });

  it.each([
    [{ Records: [{ eventSource: 'aws:sqs', body: 'not json' }] }, 'SQS message body: not JSON'],
    [{ Records: [{ eventSource: 'aws:dynamodb' }] }, 'not an S3 record'],
    [{ Records: [recordFor('x', { versionId: 'v1' })].map((r) => ({ ...r, s3: { ...r.s3, object: { ...r.s3.object, versionId: 42 } } })) }, 'versionId'],
  ])('reports %j as malformed, saying why', (event, reason) => {
    // Act
    const parsed = parseS3Event(event);
    // Assess
    expect(parsed.malformed).toEqual([expect.objectContaining({ reason: expect.stringContaining(reason) })]);
  });

  it('treats a sequencer that is not hex, or a size that is not a number, as absent', () => {
    // Prepare
    const record = recordFor('x', { versionId: 'v1' });
    const odd = { ...record, s3: { ...record.s3, object: { ...record.s3.object, sequencer: 'zz-top', size: 'big' } } };
    // Act
    const parsed = parseS3Event({ Records: [odd] });
    // Assess
    expect(parsed.records).toEqual([{ bucket: record.s3.bucket.name, key: 'x', eventName: 'ObjectCreated:Put', versionId: 'v1' }]);
  });

  it('stops unwrapping envelopes nested deeper than three', () => {
    // Prepare
    let event: unknown = s3Event;
    for (let i = 0; i < 5; i += 1) event = { Records: [{ eventSource: 'aws:sqs', body: JSON.stringify(event) }] };
    // Act
    const parsed = parseS3Event(event);
    // Assess
    expect(parsed.records).toEqual([]);
    expect(parsed.malformed).toEqual([expect.objectContaining({ reason: expect.stringContaining('nested') })]);
  });
});

describe('parseS3Event with records that lack what a backup needs', () => {
  it('reports each as malformed, saying what is missing, and keeps the valid record beside them', () => {
    // Prepare
    const valid = recordFor('kept.txt', { versionId: 'v1' });
    const withObject = (object: Record<string, unknown>) => ({ ...valid, s3: { ...valid.s3, object: { ...valid.s3.object, ...object } } });
    const { eventName: _eventName, ...withoutEventName } = valid;
    const records = [
      withoutEventName,
      { eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' },
      { ...valid, s3: { object: valid.s3.object } },
      null,
      { EventSource: 'aws:sns' },
      withObject({ key: '' }),
      withObject({ versionId: '' }),
      valid,
    ];
    // Act
    const parsed = parseS3Event({ Records: records });
    // Assess
    expect(parsed.records).toEqual([expect.objectContaining({ key: 'kept.txt', versionId: 'v1' })]);
    expect(parsed.ignored).toEqual([]);
    expect(parsed.malformed).toEqual([
      { index: 0, reason: expect.stringContaining('eventName'), key: 'kept.txt' },
      { index: 1, reason: expect.stringContaining('s3.bucket.name') },
      { index: 2, reason: expect.stringContaining('s3.bucket.name'), key: 'kept.txt' },
      { index: 3, reason: expect.stringContaining('not an object') },
      { index: 4, reason: expect.stringContaining('not an S3 record') },
      { index: 5, reason: expect.stringContaining('s3.object.key') },
      { index: 6, reason: expect.stringContaining('s3.object.versionId'), key: 'kept.txt' },
    ]);
  });

  it('reports an EventBridge event without a bucket, a key or a usable version id as malformed, and reads one without a version id', () => {
    // Prepare
    const created = (object: Record<string, unknown>, bucket: unknown = { name: 'inbox' }) => ({ source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket, object } });
    // Act
    const parsed = [
      created({ key: 'a.txt', 'version-id': 'v1' }, {}),
      created({ 'version-id': 'v1' }),
      created({ key: 'a.txt', 'version-id': 42 }),
      created({ key: 'a.txt', size: 3 }),
    ].map(parseS3Event);
    // Assess
    expect(parsed.map((event) => event.malformed.map((bad) => bad.reason))).toEqual([
      [expect.stringContaining('detail.bucket.name')],
      [expect.stringContaining('detail.object.key')],
      [expect.stringContaining('detail.object.version-id')],
      [],
    ]);
    expect(parsed.flatMap((event) => event.records)).toEqual([{ bucket: 'inbox', key: 'a.txt', eventName: 'ObjectCreated:EventBridge', size: 3 }]);
  });

  it('unwraps envelopes nested exactly three deep: a redriven SQS message carrying an SQS message of an SNS notification', () => {
    // Prepare
    const s3Event = eventFor('deep.txt', { versionId: 'v1' });
    const viaSns = { Type: 'Notification', Message: JSON.stringify(s3Event) };
    const inner = { Records: [{ eventSource: 'aws:sqs', messageId: 'm-inner', body: JSON.stringify(viaSns) }] };
    const redriven = { Records: [{ eventSource: 'aws:sqs', messageId: 'm-outer', body: JSON.stringify(inner) }] };
    // Act
    const parsed = parseS3Event(redriven);
    // Assess
    expect(parsed.malformed).toEqual([]);
    expect(parsed.records).toEqual([expect.objectContaining({ key: 'deep.txt', versionId: 'v1', sqsMessageId: 'm-outer' })]);
  });

  it('treats a sequencer with hex digits at one end only as absent', () => {
    // Prepare
    const events = ['zz0A', '0Azz'].map((sequencer) => eventFor('x', { versionId: 'v1', sequencer }));
    // Act
    const records = events.flatMap((event) => parseS3Event(event).records);
    // Assess
    expect(records.map((record) => record.sequencer)).toEqual([undefined, undefined]);
  });
});
