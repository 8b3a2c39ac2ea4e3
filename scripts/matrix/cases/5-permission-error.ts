import { artefactKey } from '../../lib/artefact.js';
import { artefactFor, deploy, requestableParameters } from '../../lib/deployment.js';
import { stackNameOf } from '../../lib/parameters.js';
import { deployedFromTemplate } from '../../lib/stack.js';
import { deployVerb } from '../../lib/stack-state.js';
import { readTemplateText } from '../../lib/template.js';
import { functionLogLines } from '../../lib/observe.js';
import { backupOf, loggedLine, setEnvironment, sleep, upload } from '../checks.js';
import { fail, pass, simulated, type MatrixCase, type MatrixContext, type Verdict } from '../types.js';
import { LogMessage, Outcome } from '../../../handler/outcome.js';

/** After the copy, how long the probe listens to be sure that no receipt was sent. */
const QUIET_MS = 8_000;

/** The copy succeeds, the receipt fails (with `errorName` when the cause is known), no receipt arrives, and the event is not retried. */
async function copyWithoutReceipt(context: MatrixContext, key: string, errorName?: string): Promise<{ failed?: string; evidence: string[] }> {
  const since = Date.now();
  const versionId = await upload(context, key, 'backed up, but nobody is told');
  const backup = await backupOf(context, key, versionId);
  const evidence = [`inbox version ${versionId}`, `backup version ${backup.VersionId}`];
  const line = await loggedLine(context, since, (l) => l.outcome === Outcome.notifyFailed && l.key === key);
  if (!line) return { failed: 'no notify_failed line for the key in the log group', evidence };
  const error = line.error as { name?: string; message?: string } | undefined;
  evidence.push(`log: ${line.message} (${error?.name}: ${String(error?.message).slice(0, 120)})`);
  if (errorName && error?.name !== errorName) return { failed: `the receipt failed with ${error?.name}, not ${errorName}: something other than the role stopped it`, evidence };
  const receipt = await context.probe.receiptFor(key, QUIET_MS);
  if (receipt) return { failed: `a receipt was delivered anyway: ${receipt.MessageId}`, evidence };
  evidence.push(`no receipt within ${QUIET_MS / 1000} s`);
  // Read after the quiet period: a refusal that failed the invocation has logged its retry by then.
  const lines = (await functionLogLines(context.clients.logs, context.outputs.LogGroupName, since - 5_000)).filter((l) => l.key === key);
  if (lines.some((l) => l.message === LogMessage.retry)) {
    return { failed: `the refused receipt failed the event, which will be retried ("${LogMessage.retry}"): a permanent refusal must leave the copy standing and the event done`, evidence };
  }
  const decisions = lines.filter((l) => l.message === LogMessage.decision).map((l) => l.outcome);
  if (decisions.length > 1) return { failed: `the key has ${decisions.length} backup decisions (${decisions.join(', ')}), expected 1: the event was handled again`, evidence };
  evidence.push(`backup decisions for the key: ${decisions.join(', ') || 'none'}; no line says the event will be retried`);
  return { evidence };
}

async function withoutPublishPermission(context: MatrixContext, key: string): Promise<Verdict> {
  // The case redeploys the stack: it must not promote different code on the way.
  const local = artefactKey((await artefactFor(context.target)).artefact);
  if (context.parameters.ArtifactKey !== local) {
    return fail(`the stack runs ${context.parameters.ArtifactKey}, not this checkout's ${local}: deploy it first (${deployVerb(context.target)}), then run the matrix`);
  }
  // Nor a template that no deploy linted and showed: on AWS the matrix does not deploy first.
  if (!(await deployedFromTemplate(context.clients.cloudFormation, stackNameOf(context.parameters), await readTemplateText()))) {
    return fail(`the stack was deployed from another template than this checkout's cloudformation/template.yaml, which the case's redeploys would put live unchecked: deploy it first (${deployVerb(context.target)}), then run the matrix`);
  }
  const redeploy = async (allowed: string) => {
    const lines: string[] = [];
    await deploy(context.target, { overrides: { ...requestableParameters(context.parameters), ReceiptPublishAllowed: allowed }, log: (line) => lines.push(line) }).catch(
      (error: Error) => {
        // A deploy that fails on drift names "the DRIFT lines", which this quiet deploy printed nowhere: they go with it.
        const drift = lines.filter((line) => line.startsWith('  DRIFT ')).map((line) => line.trim());
        if (drift.length > 0) error.message = `${error.message}: ${drift.join('; ')}`;
        throw error;
      },
    );
  };
  // The stack may have changed even when the deploy fails after its update (a proof or a drift check that fails):
  // it is set back whatever happens from here on.
  try {
    await redeploy('false');
    await sleep(context.target.capabilities.settleAfterRoleChangeMs);
    const { failed, evidence } = await copyWithoutReceipt(context, key, 'AuthorizationErrorException');
    evidence.unshift('stack updated with ReceiptPublishAllowed=false (sns:Publish denied to the role)');
    return failed ? fail(failed, evidence) : pass(evidence);
  } finally {
    await redeploy('true');
  }
}

async function withUnreachableTopic(context: MatrixContext, key: string): Promise<Verdict> {
  const missingTopic = `arn:aws:sns:${context.target.region}:${context.accountId}:${context.outputs.BackupFunctionName}-no-such-topic`;
  const before = await setEnvironment(context, (variables) => ({ ...variables, TOPIC_ARN: missingTopic }));
  try {
    const { failed, evidence } = await copyWithoutReceipt(context, key);
    if (failed) return fail(failed, evidence);
    return simulated(
      `${context.target.name} does not enforce IAM, so denying sns:Publish changes nothing there: the publish was made to fail by pointing TOPIC_ARN at a topic that does not exist (${missingTopic})`,
      evidence,
    );
  } finally {
    await setEnvironment(context, () => before);
  }
}

export const permissionError: MatrixCase = {
  id: 5,
  name: 'permission error',
  simulable: true,
  async run(context) {
    const key = `${context.prefix}5-permission/diary.txt`;
    return context.target.capabilities.iamEnforced ? withoutPublishPermission(context, key) : withUnreachableTopic(context, key);
  },
};
