import { describe, expect, it } from 'vitest';
import { trailNameProblem } from '../../scripts/lib/audit-trail-name.js';

describe('the audit trail name a NamePrefix makes', () => {
  it.each([
    [{ NamePrefix: 'my--kit', EnableAuditTrail: 'true' }, true],
    [{ NamePrefix: 'a-b--c', EnableAuditTrail: 'true' }, true],
    // A stack of such a prefix without a trail deploys and updates as before: the template's constraint takes it.
    [{ NamePrefix: 'my--kit', EnableAuditTrail: 'false' }, false],
    [{ NamePrefix: 'my-kit', EnableAuditTrail: 'true' }, false],
    [{ NamePrefix: 'my-kit' }, false],
  ])('for %j is refused: %s', (parameters, refused) => {
    // Act
    const problem = trailNameProblem(parameters);
    // Assess
    expect(problem !== undefined).toBe(refused);
  });
});
