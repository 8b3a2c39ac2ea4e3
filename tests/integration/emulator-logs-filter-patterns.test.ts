import { CreateLogGroupCommand, CreateLogStreamCommand, FilterLogEventsCommand, PutLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from 'vitest';
import { usePrivateEmulator } from './support/embedded.js';

// CloudWatch Logs sends only the JSON events a JSON filter pattern matches; moto sent every event for one.

const logGroupName = '/aws/lambda/kit-filter-pattern-it';
const lines = [
  'START RequestId: r-1 Version: $LATEST',
  JSON.stringify({ message: 'backup decision', outcome: 'copied', key: 'a.txt' }),
  JSON.stringify({ message: 'receipt sent', outcome: 'receipt_sent', key: 'a.txt', nested: { level: 'deep' } }),
  JSON.stringify({ message: 'receipt not sent; the backup stands', outcome: 'notify_failed', key: 'b.txt' }),
  'receipt_sent, said in plain text',
  'END RequestId: r-1',
];
let logs: CloudWatchLogsClient;

usePrivateEmulator(async ({ clients }) => {
  logs = clients.logs;
  await logs.send(new CreateLogGroupCommand({ logGroupName }));
  await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName: 'stream' }));
  const now = Date.now();
  await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName: 'stream', logEvents: lines.map((message, index) => ({ message, timestamp: now + index })) }));
});

const matching = async (filterPattern: string) => ((await logs.send(new FilterLogEventsCommand({ logGroupName, filterPattern }))).events ?? []).map((event) => lines.indexOf(event.message!));

describe("the embedded emulator's JSON filter patterns in FilterLogEvents", () => {
  it('sends only the JSON events whose fields match, joined by || or &&, never a line that is not JSON', async () => {
    // Act
    const found = await Promise.all([
      matching('{ $.outcome = "receipt_sent" || $.outcome = "notify_failed" }'),
      matching('{ ($.outcome = "receipt_sent") && $.key = "a.txt" }'),
      matching('{ $.nested.level = "deep" }'),
      matching('{ $.outcom = "receipt_sent" }'),
    ]);
    // Assess
    expect(found).toEqual([[2, 3], [2], [2], []]);
  });

  it('keeps moto’s reading of the patterns it does not take: terms as before, and every event for the rest', async () => {
    // Act
    const found = await Promise.all([matching('receipt_sent'), matching('{ $.outcome = "receipt*" }'), matching('')]);
    // Assess
    expect(found).toEqual([[2, 4], [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5]]);
  });
});
