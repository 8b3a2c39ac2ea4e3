import type { LambdaFunctionConfiguration, LifecycleRule } from '@aws-sdk/client-s3';

/**
 * A bucket's lifecycle rules and function notifications as one comparable line each, written the same way for
 * the template's CloudFormation properties and for what S3 answers: everything a rule does and whom it
 * applies to, so that a rule edited by hand (an expiration added, a filter that matches nothing) reads different.
 */

/** A value resolved from the template (a parameter's, an intrinsic's), or the text it stands for. */
export type Resolve = (node: unknown) => string | undefined;

type Leaves = Map<string, string>;

/** Every set leaf of a value as `path=value`; empty strings and `false` mean "not set" in both S3's and CloudFormation's shapes. */
function collectLeaves(value: unknown, path: string, leaves: Leaves, resolve?: Resolve): void {
  if (value === undefined || value === null || value === '' || value === false) return;
  if (value instanceof Date) {
    leaves.set(path, value.toISOString());
    return;
  }
  if (typeof value !== 'object') {
    leaves.set(path, String(value));
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  // An intrinsic function (Ref, Fn::Sub …) stands for one value.
  if (resolve && entries.length === 1 && (entries[0]![0] === 'Ref' || entries[0]![0].startsWith('Fn::'))) {
    leaves.set(path, resolve(value) ?? '…');
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => collectLeaves(item, `${path}[${index}]`, leaves, resolve));
    return;
  }
  for (const [name, item] of entries) collectLeaves(item, path ? `${path}.${name}` : name, leaves, resolve);
}

const leavesText = (leaves: Leaves) => [...leaves].map(([path, value]) => `${path}=${value}`).sort().join(' ');

/** CloudFormation's names of a lifecycle rule's settings that S3's API spells otherwise. */
function asApiRule(properties: Record<string, unknown>): Record<string, unknown> {
  const { Id: _id, Status: _status, Prefix, ExpirationInDays, ExpirationDate, ExpiredObjectDeleteMarker, NoncurrentVersionExpirationInDays, ...same } = properties;
  return {
    ...same,
    ...(Prefix !== undefined ? { Filter: { Prefix } } : {}),
    ...(ExpirationInDays !== undefined || ExpirationDate !== undefined || ExpiredObjectDeleteMarker !== undefined
      ? { Expiration: { Days: ExpirationInDays, Date: ExpirationDate, ExpiredObjectDeleteMarker } }
      : {}),
    ...(NoncurrentVersionExpirationInDays !== undefined ? { NoncurrentVersionExpiration: { NoncurrentDays: NoncurrentVersionExpirationInDays } } : {}),
  };
}

function rulesText(rules: { id: string; settings: Record<string, unknown> }[], resolve?: Resolve): string {
  const lines = rules.map(({ id, settings }) => {
    const leaves: Leaves = new Map();
    collectLeaves(settings, '', leaves, resolve);
    return leaves.size ? `${id} (${leavesText(leaves)})` : id;
  });
  return lines.length ? lines.sort().join('; ') : 'none';
}

/** The template's enabled lifecycle rules (CloudFormation's properties). */
export function templateLifecycleText(rules: Record<string, unknown>[] | undefined, resolve: Resolve): string {
  const enabled = (rules ?? []).filter((rule) => rule.Status === 'Enabled');
  return rulesText(enabled.map((rule) => ({ id: String(rule.Id ?? '?'), settings: asApiRule(rule) })), resolve);
}

/** The bucket's enabled lifecycle rules, as S3 lists them. */
export function liveLifecycleText(rules: LifecycleRule[] | undefined): string {
  const enabled = (rules ?? []).filter((rule) => rule.Status === 'Enabled');
  return rulesText(enabled.map(({ ID, Status: _status, ...settings }) => ({ id: ID ?? '?', settings })));
}

const filterText = (rules: { Name?: string; Value?: string }[] | undefined) =>
  (rules ?? []).map((rule) => `${(rule.Name ?? '?').toLowerCase()}=${rule.Value ?? ''}`).sort().join(' ');

const notificationLine = (events: string, functionArn: string | undefined, filter: string) => `${events} -> ${functionArn}${filter ? ` where ${filter}` : ''}`;

type TemplateLambdaConfiguration = { Event: string; Filter?: { S3Key?: { Rules?: { Name?: string; Value?: string }[] } } };

/** The template's function notifications, with their key filters (the function's ARN is the stack's). */
export function templateNotificationText(configurations: TemplateLambdaConfiguration[] | undefined, functionArn: string): string {
  return (configurations ?? []).map((c) => notificationLine(c.Event, functionArn, filterText(c.Filter?.S3Key?.Rules))).sort().join('; ') || 'none';
}

/** The bucket's function notifications, as S3 lists them. */
export function liveNotificationText(configurations: LambdaFunctionConfiguration[] | undefined): string {
  return (configurations ?? [])
    .map((c) => notificationLine((c.Events ?? []).join(','), c.LambdaFunctionArn, filterText(c.Filter?.Key?.FilterRules)))
    .sort()
    .join('; ') || 'none';
}
