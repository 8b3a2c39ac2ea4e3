import { describe, expect, it } from 'vitest';
import { faultsOn } from '../../scripts/lib/emulator-faults.js';

describe('faultsOn', () => {
  it('names none on an emulator as it starts, or after DELETE /_backup-kit/faults, whatever it injected before', () => {
    // Prepare: what the emulator answers once its faults are cleared
    const cleared = { throttle: 0, server_error: 0, drop_events: 0, duplicate_events: 0, delay_events: 0, delay_ms: 0, hold_ms: 0, hold_operation: null, kill_operation: null, counts: { function_requests: 18, dropped_events: 1 } };
    // Act
    const named = faultsOn(cleared);
    // Assess
    expect(named).toEqual([]);
  });

  it('names each fault left set, as the PUT that set it spells it, so that a case failing under it is not blamed on the pipeline', () => {
    // Prepare
    const left = { throttle: 0.2, server_error: 0.1, drop_events: 1, duplicate_events: 0.5, delay_events: 0.3, delay_ms: 1500, hold_ms: 4000, hold_operation: 'CopyObject', kill_operation: 'Publish' };
    // Act
    const named = faultsOn(left);
    // Assess
    expect(named).toEqual(['throttle 0.2', 'serverError 0.1', 'dropEvents 1', 'duplicateEvents 0.5', 'delayEvents 0.3 (1500 ms)', 'holdNext 4000 ms (CopyObject)', 'killNext (Publish)']);
  });
});
