import { describe, expect, it, vi } from 'vitest';
import { DeploymentFailed, type DeploymentOptions } from '../../scripts/lib/deployment.js';
import { permissionError } from '../../scripts/matrix/cases/5-permission-error.js';
import { matrixContext } from './support/matrix-context.js';

const SHA256 = 'a'.repeat(64);
const DRIFT_LINE = '  DRIFT  BackupFunctionLogGroup retention: template retention=7d, live retention=1d';

// The deploy as the case meets it when a setting was changed by hand after the matrix's own deploy: it updates the
// stack, logs its drift check (a DRIFT line among them) and fails, naming "the DRIFT lines".
vi.mock('../../scripts/lib/deployment.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../scripts/lib/deployment.js')>();
  return {
    ...original,
    artefactFor: async () => ({ artefact: { bytes: Buffer.alloc(0), sha256: SHA256, codeSha256: '' }, rebuilt: false }),
    deploy: async (_target: unknown, options: DeploymentOptions = {}) => {
      options.log?.('drift check (live resources vs template):');
      options.log?.('  ok     BackupFunction runtime: nodejs22.x index.handler');
      options.log?.(DRIFT_LINE);
      throw new original.DeploymentFailed(
        "1 live setting(s) differ from the template: BackupFunctionLogGroup retention; they were changed outside CloudFormation, which a deploy does not undo when the stack itself is unchanged: set them back to the template's values on the DRIFT lines",
      );
    },
  };
});

describe('case 5 where IAM is enforced, its deploy failing on drift', () => {
  it('says what drifted: the DRIFT lines its error names are in its reason, where the case kept them to itself', async () => {
    // Prepare: a stack that runs this checkout's artefact
    const context = { ...matrixContext({ iamEnforced: true, settleAfterRoleChangeMs: 0 }), parameters: { FunctionTimeoutSeconds: '60', ArtifactKey: `backup-kit/handler-${SHA256}.zip` } };
    // Act
    const verdict = permissionError.run(context);
    // Assess
    await expect(verdict).rejects.toThrow(DeploymentFailed);
    await expect(verdict).rejects.toThrow(`on the DRIFT lines: ${DRIFT_LINE.trim()}`);
  });
});
