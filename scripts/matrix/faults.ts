import { jsonAt } from '../lib/http.js';

/** The settings GET /_backup-kit/faults answers on the embedded emulator (scripts/emulator/kit_emulator/faults.py). */
export type FaultSettings = {
  readonly throttle?: number;
  readonly server_error?: number;
  readonly drop_events?: number;
  readonly hold_ms?: number;
  readonly hold_operation?: string | null;
  readonly kill_operation?: string | null;
};

/** The faults the settings have on, spelled as the PUT that sets them; empty when none is. */
export function faultsOn(settings: FaultSettings): string[] {
  const { throttle = 0, server_error: serverError = 0, drop_events: dropEvents = 0, hold_ms: holdMs = 0, hold_operation: holdOperation, kill_operation: killOperation } = settings;
  return [
    ...(throttle > 0 ? [`throttle ${throttle}`] : []),
    ...(serverError > 0 ? [`serverError ${serverError}`] : []),
    ...(dropEvents > 0 ? [`dropEvents ${dropEvents}`] : []),
    ...(holdMs > 0 ? [`holdNext ${holdMs} ms${holdOperation ? ` (${holdOperation})` : ''}`] : []),
    ...(killOperation ? [`killNext (${killOperation})`] : []),
  ];
}

/** The faults left set on the embedded emulator at `endpoint`; none when it does not say (an emulator of other code). */
export async function emulatorFaultsOn(endpoint: string): Promise<string[]> {
  const settings = await jsonAt<FaultSettings>(`${endpoint}/_backup-kit/faults`);
  return settings ? faultsOn(settings) : [];
}
