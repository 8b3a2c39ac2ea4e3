import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { artefactKey, freshArtefact, type Artefact } from './artefact.js';
import { ensurePrivateBucket } from './buckets.js';
import { clientsFor, type Clients } from './clients.js';
import { checkDrift, DriftStatus, formatDrift, type DriftCheck } from './drift.js';
import { parseOutputs, type StackOutputs } from './outputs.js';
import { parametersFor, stackNameOf, type Parameters } from './parameters.js';
import { deployStack, type ChangeSummary, type DeployResult, type Log } from './stack.js';
import type { Target } from './targets.js';
import { parseTemplate, readTemplateText } from './template.js';

export type DeploymentOptions = {
  readonly overrides?: Parameters;
  readonly log?: Log;
  readonly confirmChanges?: (changes: ChangeSummary[]) => Promise<boolean>;
};

export type Deployment = {
  readonly stackName: string;
  readonly action: DeployResult['action'];
  readonly outputs: StackOutputs;
  readonly parameters: Parameters;
  readonly artefact: Artefact;
  readonly drift: DriftCheck[];
  readonly clients: Clients;
};

export class DeploymentFailed extends Error {
  override readonly name = 'DeploymentFailed';
}

/** The one deploy path of every target: artefact, upload, stack, identical-artefact proof, drift check. */
export async function deploy(target: Target, options: DeploymentOptions = {}): Promise<Deployment> {
  const log = options.log ?? ((line: string) => console.log(line));
  const clients = clientsFor(target);
  const emulated = target.endpoint !== undefined;

  const { artefact, rebuilt } = await freshArtefact();
  log(`artefact: dist/handler.zip sha256 ${artefact.sha256} (${rebuilt ? 'rebuilt from changed sources' : 'up to date'})`);

  const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  const fileParameters = await parametersFor(target);
  const prefix = options.overrides?.NamePrefix ?? fileParameters.NamePrefix ?? 'backup-kit';
  const artefactBucket = `${prefix}-artefacts-${identity.Account}-${target.region}`;
  if (await ensurePrivateBucket(clients.s3, artefactBucket, target.region)) log(`created artefacts bucket ${artefactBucket}`);
  const key = artefactKey(artefact);
  const present = await clients.s3
    .send(new HeadObjectCommand({ Bucket: artefactBucket, Key: key }))
    .then((head) => head.Metadata?.sha256 === artefact.sha256)
    .catch(() => false);
  if (!present) {
    await clients.s3.send(
      new PutObjectCommand({ Bucket: artefactBucket, Key: key, Body: artefact.bytes, Metadata: { sha256: artefact.sha256 }, ServerSideEncryption: 'AES256' }),
    );
    log(`uploaded s3://${artefactBucket}/${key}`);
  }

  const parameters: Parameters = { ...fileParameters, ...options.overrides, ArtifactBucket: artefactBucket, ArtifactKey: key };
  const stackName = stackNameOf(parameters);
  const templateBody = await readTemplateText();
  const result = await deployStack(clients.cloudFormation, {
    stackName,
    templateBody,
    parameters,
    log,
    confirmChanges: options.confirmChanges,
    timeoutMs: emulated ? 5 * 60_000 : 45 * 60_000,
    pollIntervalMs: emulated ? 200 : 3_000,
  });
  if (result.action === 'cancelled') {
    return { stackName, action: result.action, outputs: parseOutputs(stackName, result.outputs), parameters, artefact, drift: [], clients };
  }
  log(result.action === 'unchanged' ? `stack ${stackName} is up to date: nothing to deploy` : `stack ${stackName} ${result.action}`);
  log('outputs:');
  for (const [name, value] of Object.entries(result.outputs)) log(`  ${name.padEnd(22)} ${value}`);

  const outputs = parseOutputs(stackName, result.outputs);
  const functionName = outputs.BackupFunctionName;
  const deployed = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  if (deployed.CodeSha256 !== artefact.codeSha256) {
    throw new DeploymentFailed(
      `identical artefact: NO — ${functionName} runs CodeSha256 ${deployed.CodeSha256}, the local artefact is ${artefact.codeSha256}`,
    );
  }
  log(`identical artefact: yes (CodeSha256 ${deployed.CodeSha256} = sha256 ${artefact.sha256})`);

  const drift = await checkDrift(clients, parseTemplate(templateBody), parameters, outputs, target.capabilities);
  log('drift check (live resources vs template):');
  for (const check of drift) log(formatDrift(check, target.name));
  const drifted = drift.filter((check) => check.status === DriftStatus.drift);
  if (drifted.length > 0) {
    throw new DeploymentFailed(`${drifted.length} live setting(s) differ from the template: ${drifted.map((d) => `${d.resource} ${d.property}`).join(', ')}`);
  }
  return { stackName, action: result.action, outputs, parameters, artefact, drift, clients };
}
