import { jsonAt } from './http.js';
import { TargetName, type Target } from './targets.js';

/** The settings GET /_backup-kit/faults answers on the embedded emulator (scripts/emulator/kit_emulator/faults.py). */
export type FaultSettings = {
  readonly throttle?: number;
  readonly server_error?: number;
  readonly drop_events?: number;
  readonly duplicate_events?: number;
  readonly delay_events?: number;
  readonly delay_ms?: number;
  readonly hold_ms?: number;
  readonly hold_operation?: string | null;
  readonly kill_operation?: string | null;
};

/** The faults the settings have on, spelled as the PUT that sets them; empty when none is. */
export function faultsOn(settings: FaultSettings): string[] {
  const { throttle = 0, server_error: serverError = 0, drop_events: dropEvents = 0, hold_ms: holdMs = 0, hold_operation: holdOperation, kill_operation: killOperation } = settings;
  const { duplicate_events: duplicateEvents = 0, delay_events: delayEvents = 0, delay_ms: delayMs = 0 } = settings;
  return [
    ...(throttle > 0 ? [`throttle ${throttle}`] : []),
    ...(serverError > 0 ? [`serverError ${serverError}`] : []),
    ...(dropEvents > 0 ? [`dropEvents ${dropEvents}`] : []),
    ...(duplicateEvents > 0 ? [`duplicateEvents ${duplicateEvents}`] : []),
    ...(delayEvents > 0 && delayMs > 0 ? [`delayEvents ${delayEvents} (${delayMs} ms)`] : []),
    ...(holdMs > 0 ? [`holdNext ${holdMs} ms${holdOperation ? ` (${holdOperation})` : ''}`] : []),
    ...(killOperation ? [`killNext (${killOperation})`] : []),
  ];
}

/** The faults left set on the embedded emulator at `endpoint`; none when it does not say (an emulator of other code). */
export async function emulatorFaultsOn(endpoint: string): Promise<string[]> {
  const settings = await jsonAt<FaultSettings>(`${endpoint}/_backup-kit/faults`);
  return settings ? faultsOn(settings) : [];
}

/**
 * A note for a verb whose backups failed on the embedded emulator while faults were left set there (the README's way
 * to see a parked event, its DELETE forgotten): the function's requests fail on purpose, which the error's own words
 * (S3 failing or throttled) do not say. Undefined on other targets, or when none is set.
 */
export async function faultsLeftNote(target: Pick<Target, 'name' | 'endpoint'>): Promise<string | undefined> {
  if (target.name !== TargetName.embedded || !target.endpoint) return undefined;
  const faults = await emulatorFaultsOn(target.endpoint).catch(() => []);
  if (faults.length === 0) return undefined;
  return `the embedded emulator at ${target.endpoint} has faults set (${faults.join(', ')}), which fail the function's requests on purpose: clear them with \`curl -X DELETE ${target.endpoint}/_backup-kit/faults\``;
}
