import { GetFunctionConfigurationCommand, InvokeCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { logEvents } from '../../scripts/lib/observe.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { startEmbeddedStack, type EmbeddedStack } from './support/embedded.js';

let stack: EmbeddedStack | undefined;
afterAll(async () => {
  await stack?.emulator.stop();
});

describe('stopping the embedded emulator', () => {
  it('ends at once while a failed event waits for its retry, dropping the event with a log line', async () => {
    // Prepare: a function whose every attempt fails, and a minute between attempts.
    stack = await startEmbeddedStack({ namePrefix: 'kit-stop-it', env: { KIT_EMULATOR_RETRY_DELAYS: '60' } });
    const { lambda, logs } = stack.deployment.clients;
    const { BackupFunctionName: FunctionName, LogGroupName } = stack.deployment.outputs;
    const variables = { ...(await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }))).Environment?.Variables };
    delete variables.TOPIC_ARN;
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables: variables } }));
    const since = Date.now() - 1_000;
    await lambda.send(new InvokeCommand({ FunctionName, InvocationType: 'Event', Payload: '{"Records":[]}' }));
    await waitFor('the first attempt to end', async () => ((await logEvents(logs, LogGroupName, since)).some((event) => event.message?.startsWith('REPORT')) ? true : undefined), {
      timeoutMs: 15_000,
    });

    // Act
    const stopped = await stack.emulator.stop();

    // Assess
    expect(stopped.killed).toBe(false);
    expect(await stack.emulator.log()).toMatch(new RegExp(`\\[lambda-async\\] ${FunctionName}: event \\S+ dropped after 1 attempts: the emulator is stopping`));
  });
});
