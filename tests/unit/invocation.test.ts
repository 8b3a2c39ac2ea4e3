import { describe, expect, it } from 'vitest';
import { parseS3Event } from '../../handler/event.js';
import { invocationOf, REDRIVE_OF_FIELD, requestOf } from '../../handler/invocation.js';
import { redrivenPayload, type ParkedEvent } from '../../scripts/lib/redrive.js';
import { eventFor } from './support/fixtures.js';

describe('invocationOf', () => {
  it("is Lambda's request for an event as it came", () => {
    // Act
    const invocation = invocationOf({ Records: [] }, 'request-now');
    // Assess
    expect(invocation).toEqual({ requestId: 'request-now' });
  });

  it.each([null, 'text', { [REDRIVE_OF_FIELD]: '' }, { [REDRIVE_OF_FIELD]: 42 }])('ignores a redrive field that names no request: %j', (event) => {
    // Act
    const invocation = invocationOf(event, 'request-now');
    // Assess
    expect(invocation.requestId).toBe('request-now');
  });

  it('is the parked request for an event that make redrive handed back', () => {
    // Prepare
    const parked: ParkedEvent = { messageId: 'm1', receiptHandle: 'h1', payload: { Records: [] }, keys: [], ignoredReasons: [], requestId: 'request-parked' };
    // Act
    const invocation = invocationOf(redrivenPayload(parked), 'request-now');
    // Assess
    expect(invocation.requestId).toBe('request-parked');
  });
});

describe('requestOf', () => {
  it("gives each SQS message its own request, the same for its redelivery, and a record that came directly the invocation's", () => {
    // Prepare: S3 delivered one notification twice, as two SQS messages; the first is then delivered again
    const body = JSON.stringify(eventFor('queued.txt', { versionId: 'v1' }));
    const message = (messageId: string) => ({ Records: [{ eventSource: 'aws:sqs', messageId, body }] });
    const [first, second, again] = [message('sqs-message-1'), message('sqs-message-2'), message('sqs-message-1')].map((event) => parseS3Event(event).records[0]);
    const [direct] = parseS3Event(eventFor('direct.txt', { versionId: 'v1' })).records;
    // Act
    const requests = [requestOf(first!, { requestId: 'esm-request-1' }), requestOf(second!, { requestId: 'esm-request-1' }), requestOf(again!, { requestId: 'esm-request-2' })];
    const directRequest = requestOf(direct!, { requestId: 'request-1' });
    // Assess
    expect(requests[0]).not.toBe(requests[1]);
    expect(requests[2]).toBe(requests[0]);
    expect(requests.some((request) => request === '' || request.startsWith('esm-request'))).toBe(false);
    expect(directRequest).toBe('request-1');
  });
});
