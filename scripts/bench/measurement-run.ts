import { WaitTimeout } from '../lib/wait.js';
import type { BenchContext } from './context.js';
import { failedMeasurement, type BenchRow } from './report.js';

/** One measurement of the bench; `throughPipeline` when it waits for the pipeline to back uploads up. */
export type Measurement = {
  readonly figures: string;
  readonly throughPipeline: boolean;
  readonly measure: (context: BenchContext) => Promise<BenchRow | BenchRow[]>;
};

/**
 * Runs the measurements in order. One that fails becomes a failed row, and the others still run, except that once
 * a measurement waited in vain for a backup, those that wait for the pipeline are not run: each would wait out its
 * own limit (minutes for the burst and the large object) for a pipeline that backs nothing up.
 */
export async function runMeasurements(
  measurements: readonly Measurement[],
  context: BenchContext,
  options: { readonly log: (line: string) => void; readonly stopped: () => boolean },
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  let pipelineDown: string | undefined;
  for (const { figures, throughPipeline, measure } of measurements) {
    if (options.stopped()) break;
    if (pipelineDown && throughPipeline) {
      rows.push(failedMeasurement(figures, new Error(`not run: ${pipelineDown}`)));
      continue;
    }
    const started = performance.now();
    try {
      const measured = await measure(context);
      rows.push(...(Array.isArray(measured) ? measured : [measured]));
    } catch (error) {
      rows.push(failedMeasurement(figures, error));
      if (error instanceof WaitTimeout && !error.unanswered) pipelineDown = `the ${figures} waited in vain for a backup (${error.message})`;
    }
    // A Ctrl-C abandons the measurement in flight: what it got is no measure of its figures.
    if (options.stopped()) break;
    options.log(`measured ${figures} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return rows;
}
