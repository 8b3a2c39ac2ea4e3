import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  type Change,
  type CloudFormationClient,
  type Parameter,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { isDeepStrictEqual } from 'node:util';
import { UsageError } from './cli.js';
import type { Parameters } from './parameters.js';
import { verbsCanRun } from './stack-state.js';
import { parseTemplate, type Template } from './template.js';
import { waitFor } from './wait.js';

export type Log = (line: string) => void;

const SUCCESS = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'DELETE_COMPLETE']);
const IN_PROGRESS = /_IN_PROGRESS$/;
const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;

export class StackOperationFailed extends Error {
  override readonly name = 'StackOperationFailed';
}

/** Two deploys at once: the other created the stack after this one found none (`cause`: how this one met it). */
export function createdMeanwhile(stackName: string, cause?: string): StackOperationFailed {
  return new StackOperationFailed(
    `stack ${stackName} was created by another deploy after this one found none${cause ? ` (${cause})` : ''}: this one changed nothing in it; once the other has ended, deploy again (it updates the stack)`,
  );
}

export async function describeStack(cf: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  try {
    const response = await cf.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = response.Stacks?.[0];
    return stack?.StackStatus === 'DELETE_COMPLETE' ? undefined : stack;
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
}

export function outputsOf(stack: Stack): Record<string, string> {
  return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

/** The parameter values a stack was deployed with (none for no stack). */
export function parametersOf(stack: Stack | undefined): Parameters {
  return Object.fromEntries((stack?.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']));
}

/** The outputs that tell a stack of this kit's template: every version of the template has declared them. */
export const KIT_STACK_OUTPUTS = ['InboxBucketName', 'BackupFunctionName'] as const;

/** How deploy, destroy and the verbs say that a stack of the kit's name is someone else's. */
export const NOT_THE_KITS = `is not one of this kit's (it has no ${KIT_STACK_OUTPUTS.join(' and ')} outputs)`;

/** Whether a stack was made from this kit's template, by its outputs (a stack whose create failed has none). */
export function isKitStack(stack: Stack): boolean {
  const outputs = new Set((stack.Outputs ?? []).map((output) => output.OutputKey));
  return KIT_STACK_OUTPUTS.every((name) => outputs.has(name));
}

/**
 * Whether a stack, in whatever state, was made from this kit's template. A usable one says so by its outputs
 * (isKitStack); one that failed or is mid-way may have none (a create rolled back) or someone else's, so its template
 * is asked whether it declares the kit's outputs. A template that cannot be read as one is not the kit's.
 */
export async function madeFromKitTemplate(cf: CloudFormationClient, stack: Stack): Promise<boolean> {
  if (isKitStack(stack)) return true;
  if (verbsCanRun(stack.StackStatus ?? '')) return false;
  const response = await cf.send(new GetTemplateCommand({ StackName: stack.StackId ?? stack.StackName })).catch((error: Error) => {
    // Without its template the stack cannot be told from someone else's, and no verb may act on it as the kit's.
    throw new UsageError(
      `stack ${stack.StackName} (${stack.StackStatus}) shows none of the kit's outputs, and its template, which would tell whether it is the kit's, could not be read (${error.name}: ${error.message}): ` +
        'nothing was changed; allow this identity cloudformation:GetTemplate, or look at the stack in the CloudFormation console',
    );
  });
  let declared: unknown;
  try {
    declared = (parseTemplate(response?.TemplateBody ?? '') as Partial<Template> | null)?.Outputs;
  } catch {
    return false;
  }
  return typeof declared === 'object' && declared !== null && KIT_STACK_OUTPUTS.every((name) => name in declared);
}

/** Whether a stack was last deployed from the template `text`, compared as parsed (CloudFormation may answer in another form). */
export async function deployedFromTemplate(cf: CloudFormationClient, stackName: string, text: string): Promise<boolean> {
  const response = await cf.send(new GetTemplateCommand({ StackName: stackName }));
  return isDeepStrictEqual(parseTemplate(response.TemplateBody ?? ''), parseTemplate(text));
}

/**
 * The other stacks of this kit's template in the account and region (isKitStack), whatever their names: a NamePrefix
 * changed in the parameter file leaves the earlier stack running.
 */
export async function otherKitStacks(cf: CloudFormationClient, stackName: string): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cf.send(new DescribeStacksCommand({ NextToken }));
    for (const stack of page.Stacks ?? []) {
      if (stack.StackName !== stackName && isKitStack(stack)) names.push(stack.StackName ?? '?');
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return names;
}

/**
 * The parameters of a stack that another deploy has moved on since this one set them (none when the stack still holds
 * them all, or is gone), each as `Name=now (this deploy's: set)`.
 */
export async function parametersMovedOn(cf: CloudFormationClient, stackName: string, set: Parameters): Promise<string[]> {
  const now = parametersOf(await describeStack(cf, stackName));
  return Object.entries(set).flatMap(([name, value]) => (now[name] !== undefined && now[name] !== value ? [`${name}=${now[name]} (this deploy's: ${value})`] : []));
}

function toCfnParameters(parameters: Parameters): Parameter[] {
  return Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

/** The stack's events, newest first; none once a deleted stack can no longer be found by name. */
async function stackEvents(cf: CloudFormationClient, stackName: string): Promise<StackEvent[]> {
  try {
    const response = await cf.send(new DescribeStackEventsCommand({ StackName: stackName }));
    return response.StackEvents ?? [];
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) return [];
    throw error;
  }
}

function formatEvent(event: StackEvent, startedAt: number): string {
  const elapsed = (((event.Timestamp?.getTime() ?? Date.now()) - startedAt) / 1000).toFixed(1).padStart(6);
  const reason = event.ResourceStatusReason ? `  ${event.ResourceStatusReason}` : '';
  return `  +${elapsed}s  ${(event.ResourceStatus ?? '').padEnd(22)} ${event.LogicalResourceId} (${event.ResourceType})${reason}`;
}

/** Prints stack events as they happen until the stack leaves its IN_PROGRESS state; returns the final stack. */
async function followStack(
  cf: CloudFormationClient,
  stackName: string,
  seen: Set<string>,
  log: Log,
  options: { timeoutMs: number; intervalMs: number; startedAt: number },
  /** Collects every event seen, for a caller that acts on what the operation did to a resource. */
  events: StackEvent[] = [],
): Promise<Stack> {
  const { startedAt } = options;
  const failures: StackEvent[] = [];
  const showFresh = async () => {
    const fresh = (await stackEvents(cf, stackName)).filter((e) => e.EventId && !seen.has(e.EventId)).reverse();
    for (const event of fresh) {
      seen.add(event.EventId!);
      events.push(event);
      log(formatEvent(event, startedAt));
      if (event.ResourceStatus?.endsWith('FAILED') && event.ResourceStatusReason) failures.push(event);
    }
  };
  const final = await waitFor(
    `stack ${stackName} to finish`,
    async () => {
      await showFresh();
      const stack = await describeStack(cf, stackName);
      if (stack === undefined) return { StackName: stackName, StackStatus: 'DELETE_COMPLETE' } as Stack;
      return IN_PROGRESS.test(stack.StackStatus ?? '') ? undefined : stack;
    },
    { ...options, onProgress: (ms) => log(`  … still waiting (${Math.round(ms / 1000)} s)`) },
  );
  // The events written between the last read and the stack's end (LocalStack's last ones, its cleanup's deletes) were
  // not shown, nor seen by a caller that acts on them.
  if (final.StackStatus !== 'DELETE_COMPLETE') await showFresh();
  if (!SUCCESS.has(final.StackStatus ?? '')) {
    const reasons = failures.map((e) => `  - ${e.LogicalResourceId} (${e.ResourceType}): ${e.ResourceStatusReason ?? 'no reason given'}`);
    throw new StackOperationFailed(
      [`stack ${stackName} ended in ${final.StackStatus}${final.StackStatusReason ? `: ${final.StackStatusReason}` : ''}`, ...reasons].join('\n'),
    );
  }
  return final;
}

/**
 * Two deploys at once: executing the other's change set deleted this one's, or left it obsolete, as CloudFormation does
 * with a stack's other change sets. The raw answers (ChangeSet [...] does not exist) named no way on.
 */
function supersededChangeSet(stackName: string): (error: Error) => never {
  return (error) => {
    if (!['ChangeSetNotFoundException', 'InvalidChangeSetStatusException'].includes(error.name)) throw error;
    throw new StackOperationFailed(
      `stack ${stackName} was changed by another deploy after this one made its change set (${error.message}): this one changed nothing in it; once the other has ended, deploy again`,
    );
  };
}

/** A change set deleted already (by the execution of another deploy's) needs no deleting. */
function unlessGone(error: Error): void {
  if (error.name !== 'ChangeSetNotFoundException') throw error;
}

/** How the change set's listing marks a modification that replaces its resource (True) or may (Conditional). */
const REPLACEMENT_NOTE: Readonly<Record<string, string>> = {
  True: '  REPLACEMENT',
  // CloudFormation decides it during the update, from a value it cannot know before (another resource's, say).
  Conditional: '  REPLACEMENT if a value it names changes (Conditional)',
};

export type ChangeSummary = { readonly action: string; readonly logicalId: string; readonly type: string; readonly replacement?: string };

export type DeployOptions = {
  readonly stackName: string;
  readonly templateBody: string;
  readonly parameters: Parameters;
  readonly log: Log;
  /** Asked with the change set of an update before it is executed; false cancels the update. */
  readonly confirmChanges?: (changes: ChangeSummary[]) => Promise<boolean>;
  readonly timeoutMs: number;
  readonly intervalMs: number;
};

export type DeployResult = {
  readonly action: 'created' | 'updated' | 'unchanged' | 'cancelled';
  readonly stack: Stack;
  readonly outputs: Record<string, string>;
  readonly changes: ChangeSummary[];
  /** Resources an update deleted (its cleanup's DELETE_COMPLETE), by logical id: none for a create. */
  readonly deletedInUpdate: string[];
};

function summarise(changes: Change[]): ChangeSummary[] {
  return changes.flatMap((change) => {
    const r = change.ResourceChange;
    if (!r) return [];
    return [{ action: r.Action ?? '?', logicalId: r.LogicalResourceId ?? '?', type: r.ResourceType ?? '?', ...(r.Replacement ? { replacement: r.Replacement } : {}) }];
  });
}

/** Creates the stack, or updates it through a change set; streams events; fails with the resources' reasons. */
export async function deployStack(cf: CloudFormationClient, options: DeployOptions): Promise<DeployResult> {
  const { stackName, log } = options;
  const follow = { timeoutMs: options.timeoutMs, intervalMs: options.intervalMs, startedAt: Date.now() };
  let existing = await describeStack(cf, stackName);
  if (existing?.StackStatus === 'ROLLBACK_COMPLETE') {
    log(`stack ${stackName} is in ROLLBACK_COMPLETE after a failed create: deleting it before creating it again`);
    await deleteStack(cf, stackName, log, follow);
    existing = undefined;
  }
  const common = {
    StackName: stackName,
    TemplateBody: options.templateBody,
    Parameters: toCfnParameters(options.parameters),
    Capabilities: ['CAPABILITY_IAM' as const],
  };

  if (!existing) {
    log(`creating stack ${stackName}`);
    await cf.send(new CreateStackCommand(common)).catch((error: Error) => {
      // Its raw answer named no way on.
      throw error.name === 'AlreadyExistsException' ? createdMeanwhile(stackName, error.message) : error;
    });
    const stack = await followStack(cf, stackName, new Set(), log, follow);
    return { action: 'created', stack, outputs: outputsOf(stack), changes: [], deletedInUpdate: [] };
  }

  const seen = new Set((await stackEvents(cf, stackName)).map((e) => e.EventId ?? ''));
  const changeSetName = `backup-kit-${Date.now()}`;
  await cf.send(new CreateChangeSetCommand({ ...common, ChangeSetName: changeSetName, ChangeSetType: 'UPDATE' }));
  const described = await waitFor(
    `change set ${changeSetName}`,
    async () => {
      const response = await cf.send(new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName })).catch(supersededChangeSet(stackName));
      return response.Status === 'CREATE_COMPLETE' || response.Status === 'FAILED' ? response : undefined;
    },
    follow,
  );
  const discard = () => cf.send(new DeleteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName })).catch(unlessGone);
  if (described.Status === 'FAILED') {
    await discard();
    if (NO_CHANGES.test(described.StatusReason ?? '')) {
      return { action: 'unchanged', stack: existing, outputs: outputsOf(existing), changes: [], deletedInUpdate: [] };
    }
    throw new StackOperationFailed(`change set for ${stackName} failed: ${described.StatusReason}`);
  }
  const changes = summarise(described.Changes ?? []);
  log(`change set ${changeSetName}:`);
  for (const change of changes) {
    log(`  ${change.action.padEnd(8)} ${change.logicalId} (${change.type})${REPLACEMENT_NOTE[change.replacement ?? ''] ?? ''}`);
  }
  // A question left with Ctrl-C leaves no change set behind either.
  const confirmed = options.confirmChanges ? await options.confirmChanges(changes).catch(async (error: unknown) => {
    await discard();
    throw error;
  }) : true;
  if (!confirmed) {
    await discard();
    return { action: 'cancelled', stack: existing, outputs: outputsOf(existing), changes, deletedInUpdate: [] };
  }
  await cf.send(new ExecuteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName })).catch(supersededChangeSet(stackName));
  const events: StackEvent[] = [];
  const stack = await followStack(cf, stackName, seen, log, follow, events);
  const deletedInUpdate = events.filter((e) => e.ResourceStatus === 'DELETE_COMPLETE' && e.LogicalResourceId && e.LogicalResourceId !== stackName).map((e) => e.LogicalResourceId!);
  return { action: 'updated', stack, outputs: outputsOf(stack), changes, deletedInUpdate };
}

export async function deleteStack(
  cf: CloudFormationClient,
  stackName: string,
  log: Log,
  follow: { timeoutMs: number; intervalMs: number; startedAt: number },
): Promise<void> {
  const seen = new Set((await stackEvents(cf, stackName)).map((e) => e.EventId ?? ''));
  await cf.send(new DeleteStackCommand({ StackName: stackName }));
  await followStack(cf, stackName, seen, log, follow);
}
