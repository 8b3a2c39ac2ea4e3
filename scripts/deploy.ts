import { confirm, ExitCode, run, scriptCommand, switchOption, targetOption, UsageError, yesOption } from './lib/cli.js';
import { deploy, DeploymentCancelled, type DeploymentPlan } from './lib/deployment.js';
import { remindersAfterDeploy } from './lib/deploy-reminders.js';
import { DriftStatus } from './lib/drift.js';
import { parseOverrides } from './lib/parameters.js';
import { resolveTarget, TargetName, type TargetName as Name } from './lib/targets.js';
import { templatePath } from './lib/paths.js';
import { templateLintFindings } from './lib/template-lint.js';
import { readTemplateText } from './lib/template.js';

const program = scriptCommand('deploy', 'Build (when stale; on aws a stale zip is refused, as it is not the one tested), upload and deploy the stack to a target, then prove the artefact and check drift.')
  .addOption(targetOption())
  .option('-p, --parameter <Name=Value...>', 'override a template parameter (repeatable; not NamePrefix, which names the stack in the parameter file, nor ArtifactBucket, ArtifactKey or KeptBackupBucket, which the deploy sets)', [])
  .addOption(yesOption('do not ask before changing a stack on aws (only --yes, or 1 / yes / true, confirms)'))
  .addOption(switchOption('delete-audit-logs', 'DELETE_AUDIT_LOGS', 'let a deploy that turns the audit trail off delete the audit logs with its bucket'))
  .parse();

const options = program.opts<{ target: Name; parameter: string[]; yes: boolean; deleteAuditLogs: boolean }>();

run(async () => {
  const overrides = parseOverrides(options.parameter);
  // A stack deployed under another name would be out of reach of destroy, redrive, restore … and of the
  // recovery advice printed when it fails, which would name the parameter file's stack instead.
  if (overrides.NamePrefix !== undefined) {
    throw new UsageError(`NamePrefix names the stack, and every other verb finds the stack by the parameter file: set it in cloudformation/parameters/${options.target}.json instead`);
  }
  const target = await resolveTarget(options.target, { checkReachable: true });
  const onAws = target.name === TargetName.aws;
  // Production gets the template `make lint` passed: an edit since (a misspelt property, a wrong value) is refused
  // here, before AWS is asked anything, rather than by a stack rolling back. Checked for the region it goes to, and
  // read once: what is deployed is the text that was linted, not a later save of the file.
  const templateText = await readTemplateText();
  if (onAws) {
    const findings = templateLintFindings(templatePath, target.region);
    if (findings) {
      console.error(findings);
      throw new UsageError(
        `cfn-lint finds cloudformation/template.yaml wrong for ${target.region} (above): nothing was changed on AWS; fix the template (\`make lint\` runs the same check, for AWS_REGION when it is set) and deploy again`,
      );
    }
    if ((await readTemplateText()) !== templateText) {
      throw new UsageError('cloudformation/template.yaml changed while cfn-lint checked it: nothing was changed on AWS; deploy again once it is saved');
    }
  }
  const ask = async (question: string) => options.yes || confirm(question);
  try {
    const deployment = await deploy(target, {
      overrides,
      deleteAuditLogs: options.deleteAuditLogs,
      templateText,
      ...(onAws && {
        confirmStart: async (plan: DeploymentPlan) => {
          console.log(`deploying to AWS account ${plan.account} (${plan.identity}), region ${plan.region}, stack ${plan.stackName}, artefact sha256 ${plan.artefactSha256}`);
          return ask('Upload this artefact and create or update this stack?');
        },
        confirmChanges: () => ask('Execute this change set?'),
        confirmCodeRepair: () => ask('Put this artefact back on the function?'),
      }),
    });
    for (const reminder of await remindersAfterDeploy(target, deployment)) console.log(reminder);
    const warnings = deployment.drift.filter((check) => check.status === DriftStatus.warn).length;
    console.log(`deployed ${deployment.stackName} to ${target.name}${warnings ? ` with ${warnings} warning(s): the warn lines above` : ''}`);
    return ExitCode.ok;
  } catch (error) {
    if (!(error instanceof DeploymentCancelled)) throw error;
    console.error(`${error.message}${options.yes ? '' : ' (YES=1 with make, or --yes, deploys without asking)'}`);
    return ExitCode.failed;
  }
}, options.target);
