import { afterAll, describe, expect, it } from 'vitest';
import { stoppedAnswering } from '../../scripts/lib/cli.js';
import { clientsFor } from '../../scripts/lib/clients.js';
import { runMatrix } from '../../scripts/matrix/run.js';
import type { CaseResult } from '../../scripts/matrix/types.js';
import { startEmbeddedStack, type EmbeddedStack } from './support/embedded.js';

let stack: EmbeddedStack | undefined;
afterAll(async () => {
  await stack?.emulator.stop();
});

describe('a matrix whose target stops answering mid-run', () => {
  it("ends with the target's error, which the kit words as a target that stopped answering, where it reported every case after as the pipeline's failure", async () => {
    // Prepare: the emulator ends for good as the first case ends
    stack = await startEmbeddedStack({ namePrefix: 'kit-gone' });
    const { emulator, target, deployment } = stack;
    const reported: CaseResult[] = [];
    // Act
    const outcome = await runMatrix({
      target,
      clients: clientsFor(target),
      stack: deployment,
      only: [1, 6],
      log: () => undefined,
      onResult: (result) => {
        reported.push(result);
        process.kill(emulator.pid!, 'SIGKILL');
      },
    }).catch((error: unknown) => error);
    // Assess
    expect(reported.map((result) => [result.id, result.outcome])).toEqual([[1, 'PASS']]);
    expect(outcome).toBeInstanceOf(Error);
    expect(stoppedAnswering(outcome, target.name)).toMatch(/^is its emulator or LocalStack still running\?/);
  }, 120_000);
});
