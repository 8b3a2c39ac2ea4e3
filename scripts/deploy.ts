import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { Command } from 'commander';
import { clientsFor } from './lib/clients.js';
import { confirm, ExitCode, run, UsageError } from './lib/cli.js';
import { deploy } from './lib/deployment.js';
import { parametersFor, parseOverrides, stackNameOf } from './lib/parameters.js';
import { parseTargetName, resolveTarget, TargetName } from './lib/targets.js';

const program = new Command()
  .name('deploy')
  .description('Build (when stale), upload and deploy the stack to a target, then prove the artefact and check drift.')
  .option('-t, --target <target>', 'embedded | localstack | aws', process.env.TARGET ?? TargetName.embedded)
  .option('-p, --parameter <Name=Value...>', 'override a template parameter (repeatable)', [])
  .option('-y, --yes', 'do not ask before changing a stack on aws', false)
  .parse();

const options = program.opts<{ target: string; parameter: string[]; yes: boolean }>();

run(async () => {
  const target = await resolveTarget(parseTargetName(options.target), { checkReachable: true });
  const overrides = parseOverrides(options.parameter);
  let confirmChanges;
  if (target.name === TargetName.aws) {
    const identity = await clientsFor(target)
      .sts.send(new GetCallerIdentityCommand({}))
      .catch((error: Error) => {
        throw new UsageError(`cannot identify your AWS account (${error.message}): sign in first, e.g. AWS_PROFILE=<profile> or \`aws sso login\``);
      });
    const stackName = stackNameOf({ ...(await parametersFor(target)), ...overrides });
    console.log(`deploying to AWS account ${identity.Account} (${identity.Arn}), region ${target.region}, stack ${stackName}`);
    if (!options.yes && !(await confirm('Build, upload and create or update this stack?'))) {
      console.error('not confirmed: nothing was changed (pass --yes to deploy without asking)');
      return ExitCode.failed;
    }
    confirmChanges = async () => options.yes || confirm('Execute this change set?');
  }
  const deployment = await deploy(target, { overrides, confirmChanges });
  if (deployment.action === 'cancelled') {
    console.error('change set not executed: the stack is unchanged');
    return ExitCode.failed;
  }
  if (target.name === TargetName.aws && deployment.parameters.NotificationEmail) {
    console.log(`reminder: ${deployment.parameters.NotificationEmail} must click the link in the "AWS Notification - Subscription Confirmation" e-mail before receipts arrive`);
  }
  const warnings = deployment.drift.filter((check) => check.status === 'warn').length;
  console.log(`deployed ${deployment.stackName} to ${target.name}${warnings ? ` with ${warnings} warning(s) about settings ${target.name} does not emulate` : ''}`);
  return ExitCode.ok;
});
