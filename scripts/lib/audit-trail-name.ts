import type { Parameters } from './parameters.js';

/** The audit trail's name, as the template builds it from NamePrefix (TrailName and the trail bucket's policy). */
const trailName = (namePrefix: string) => `${namePrefix}-inbox-audit`;

/**
 * A trail name CloudTrail would refuse, for a deploy that gives the stack its audit trail: CloudTrail takes no two
 * hyphens in a row ("Names like my--namespace are not valid"), which NamePrefix allows, as S3 bucket names and stack
 * names do. Refused here rather than by the template's constraint on NamePrefix, which would lock stacks of such a
 * prefix, deployed without a trail, out of every later update; without the check the update fails on the trail and
 * rolls back.
 */
export function trailNameProblem(effective: Parameters): string | undefined {
  const prefix = effective.NamePrefix;
  if (effective.EnableAuditTrail !== 'true' || prefix === undefined || !prefix.includes('--')) return undefined;
  return (
    `EnableAuditTrail=true names the audit trail ${trailName(prefix)}, which CloudTrail refuses (no two hyphens in a row): ` +
    'nothing was changed; keep EnableAuditTrail=false for this NamePrefix, or deploy the kit under a NamePrefix without "--" to have an audit trail'
  );
}
