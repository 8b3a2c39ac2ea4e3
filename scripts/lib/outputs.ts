import { z } from 'zod';

/** The stack outputs every script relies on; a stack without them is reported, not guessed around. */
const StackOutputsSchema = z.object({
  InboxBucketName: z.string().min(1),
  BackupBucketName: z.string().min(1),
  ReceiptTopicArn: z.string().min(1),
  BackupFunctionName: z.string().min(1),
  BackupFunctionArn: z.string().min(1),
  FailedEventsQueueUrl: z.string().min(1),
  FailedEventsQueueArn: z.string().min(1),
  LogGroupName: z.string().min(1),
  AuditTrailBucketName: z.string().min(1).optional(),
});
export type StackOutputs = z.infer<typeof StackOutputsSchema>;

export function parseOutputs(stackName: string, outputs: Record<string, string>): StackOutputs {
  const parsed = StackOutputsSchema.safeParse(outputs);
  if (!parsed.success) {
    const missing = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`stack ${stackName} lacks the outputs ${missing}: was it deployed from this kit's template? Run \`make deploy\`.`);
  }
  return parsed.data;
}

/** The outputs every script relies on, or undefined when the stack lacks any of them. */
export function completeOutputs(outputs: Record<string, string>): StackOutputs | undefined {
  const parsed = StackOutputsSchema.safeParse(outputs);
  return parsed.success ? parsed.data : undefined;
}
