import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DeploymentFailed, type DeploymentOptions } from '../../scripts/lib/deployment.js';
import { readTemplateText } from '../../scripts/lib/template.js';
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

const cloudFormation = mockClient(CloudFormationClient);
beforeEach(async () => {
  cloudFormation.reset();
  cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: await readTemplateText() });
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

describe('case 5 where IAM is enforced, the stack deployed from another template', () => {
  it('redeploys nothing: its redeploys would put the checkout’s template live, unlinted and unconfirmed (on AWS the matrix deploys nothing first)', async () => {
    // Prepare: the stack runs this checkout's artefact, and its template is an older one, in JSON as CloudFormation may answer
    cloudFormation.on(GetTemplateCommand, { StackName: 'backup-kit' }).resolves({ TemplateBody: JSON.stringify({ Resources: { Inbox: { Type: 'AWS::S3::Bucket' } } }) });
    const context = { ...matrixContext({ iamEnforced: true, settleAfterRoleChangeMs: 0 }), parameters: { FunctionTimeoutSeconds: '60', ArtifactKey: `backup-kit/handler-${SHA256}.zip` } };
    // Act
    const verdict = await permissionError.run(context);
    // Assess
    expect(verdict.outcome).toBe('FAIL');
    expect(verdict.reason).toBe("the stack was deployed from another template than this checkout's cloudformation/template.yaml, which the case's redeploys would put live unchecked: deploy it first (make deploy TARGET=embedded), then run the matrix");
  });
});
