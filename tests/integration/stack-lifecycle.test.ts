import { CreateLogGroupCommand, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deploy } from '../../scripts/lib/deployment.js';
import { deleteStack, describeStack } from '../../scripts/lib/stack.js';
import { printEmulatorLogOnFailure, startEmbeddedStack, type EmbeddedStack } from './support/embedded.js';

const PREFIX = 'kit-lifecycle-it';
let stack: EmbeddedStack | undefined;
const started = () => {
  if (!stack) throw new Error('the emulator did not start');
  return stack;
};
const follow = () => ({ timeoutMs: 60_000, intervalMs: 200, startedAt: Date.now() });

beforeAll(async () => {
  stack = await startEmbeddedStack({ namePrefix: PREFIX });
});
afterAll(async () => {
  await stack?.emulator.stop();
});
beforeEach(() => printEmulatorLogOnFailure(() => stack));

describe('a failed create', () => {
  it('stays describable and deletable, names its cause, and creates nothing when described', async () => {
    // Prepare
    const { target, deployment } = started();
    const { cloudFormation, logs, lambda } = deployment.clients;
    const namePrefix = 'kit-loggroup-it';
    await logs.send(new CreateLogGroupCommand({ logGroupName: `/aws/lambda/${namePrefix}-backup` }));
    const lines: string[] = [];
    // Act
    const attempt = deploy(target, { overrides: { NamePrefix: namePrefix }, log: (line) => lines.push(line) });
    // Assess
    await expect(attempt).rejects.toThrow(
      /ended in ROLLBACK_COMPLETE: The following resource\(s\) failed to create: \[BackupFunctionLogGroup\]\. Rollback requested by user\.\n {2}- BackupFunctionLogGroup \(AWS::Logs::LogGroup\): ResourceAlreadyExistsException: The specified log group already exists/,
    );
    expect(lines).toContainEqual(expect.stringMatching(/CREATE_FAILED\s+BackupFunction \(AWS::Lambda::Function\)\s+Resource creation cancelled$/));
    const described = await describeStack(cloudFormation, namePrefix);
    expect(described?.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(described?.Outputs ?? []).toEqual([]);
    await expect(lambda.send(new GetFunctionCommand({ FunctionName: `${namePrefix}-backup` }))).rejects.toThrow(/not found/i);
    await deleteStack(cloudFormation, namePrefix, () => undefined, follow());
    expect(await describeStack(cloudFormation, namePrefix)).toBeUndefined();
    await logs.send(new DeleteLogGroupCommand({ logGroupName: `/aws/lambda/${namePrefix}-backup` }));
  });
});
