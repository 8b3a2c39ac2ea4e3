import { describe, expect, it } from 'vitest';
import { Finding, repairOutcome, type KeyFinding, type Repair } from '../../scripts/lib/reconcile.js';

const finding = (key: string, kind: Finding, detail: string = kind): KeyFinding => ({ key, finding: kind, detail });

describe('repairOutcome', () => {
  it('counts a key deleted from the inbox during its repair as gone, not as still wrong', () => {
    // Prepare
    const repairs: Repair[] = [
      { before: finding('fixed.txt', Finding.missing), after: finding('fixed.txt', Finding.ok) },
      { before: finding('deleted.txt', Finding.stale), after: finding('deleted.txt', Finding.orphan) },
      { before: finding('still.txt', Finding.corrupt), after: finding('still.txt', Finding.corrupt, 'the backup differs') },
      { before: finding('failed.txt', Finding.missing), error: 'TooManyRequestsException: Rate exceeded' },
    ];
    // Act
    const outcome = repairOutcome(repairs);
    // Assess
    expect(outcome.fixed.map((r) => r.before.key)).toEqual(['fixed.txt']);
    expect(outcome.gone.map((r) => r.before.key)).toEqual(['deleted.txt']);
    expect(outcome.remaining).toEqual([
      finding('still.txt', Finding.corrupt, 'the backup differs'),
      finding('failed.txt', Finding.missing, 'repair failed: TooManyRequestsException: Rate exceeded'),
    ]);
  });
});
