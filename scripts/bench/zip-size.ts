import { stat } from 'node:fs/promises';
import { ARTEFACT_BUDGET_BYTES } from '../lib/artefact.js';
import { artefactPath } from '../lib/paths.js';
import type { BenchRow } from './report.js';

/** dist/handler.zip against its budget (the deploy that prepared the bench has just built it from this checkout). */
export async function measureZipSize(): Promise<BenchRow> {
  const bytes = (await stat(artefactPath)).size;
  const ratio = bytes / ARTEFACT_BUDGET_BYTES;
  return {
    figure: 'zip size',
    measured: `${(bytes / 1024).toFixed(1)} KiB`,
    floor: `${ARTEFACT_BUDGET_BYTES / 1024} KiB (budget)`,
    ratio,
    target: '≤ 1×',
    withinTarget: ratio <= 1,
    noise: 'exact (one build)',
    data: { bytes, budgetBytes: ARTEFACT_BUDGET_BYTES },
  };
}
