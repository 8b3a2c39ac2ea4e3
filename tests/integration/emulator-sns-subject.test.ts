import { CreateTopicCommand, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { usePrivateEmulator } from './support/embedded.js';

// SNS refuses a Subject that is empty, begins with a blank or holds a line break or another control character;
// moto checked only its length, so a receipt with such a subject went out here and failed on AWS.

let sns: SNSClient;
let TopicArn: string;

usePrivateEmulator(async ({ clients }) => {
  sns = clients.sns;
  TopicArn = (await sns.send(new CreateTopicCommand({ Name: 'kit-subject-it' }))).TopicArn!;
});

describe("the embedded emulator's check of a message's Subject", () => {
  it("refuses what SNS refuses, with 400 InvalidParameter (the SDK's InvalidParameterException), and takes a printable one", async () => {
    // Act
    const outcomes = await Promise.all(
      ['Backup of photos/cat.jpg', '👨\u200d👩\u200d👧 Grüße', 'two\nlines', 'bell\u0007', 'para\u2029graph', ' leading blank', ''].map((Subject) =>
        sns.send(new PublishCommand({ TopicArn, Message: 'm', Subject })).then(
          () => 'sent',
          (error: Error & { $metadata?: { httpStatusCode?: number } }) => `${error.$metadata?.httpStatusCode} ${error.name}`,
        ),
      ),
    );
    // Assess
    expect(outcomes).toEqual(['sent', 'sent', ...Array.from({ length: 5 }, () => '400 InvalidParameterException')]);
  });
});
