import { describe, expect, it } from 'vitest';
import { invocationOf, REDRIVE_OF_FIELD } from '../../handler/invocation.js';
import { redrivenPayload, type ParkedEvent } from '../../scripts/lib/redrive.js';

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
