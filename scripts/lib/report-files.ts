import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import type { MatrixReport } from '../matrix/run.js';
import { CaseOutcome } from '../matrix/types.js';
import { prepareOutputFolder } from './output-folder.js';

/** reports/matrix-<target>.<kind>: what `make matrix` writes for a target (json, JUnit xml, a self-contained html page). */
export const matrixReportFile = (directory: string, target: string, kind: 'json' | 'xml' | 'html') => join(directory, `matrix-${target}.${kind}`);

/** reports/bench-<target>.json: what `make bench` writes for a target. */
export const benchReportFile = (directory: string, target: string) => join(directory, `bench-${target}.json`);

/** Makes the reports folder when missing; refuses, before any work, a file of its name. */
export const prepareReportsDir = (directory: string): Promise<void> => prepareOutputFolder(directory, 'its reports');

/**
 * Writes a report whole or not at all (a temporary file renamed over it): a reader such as the console or
 * matrix-compare never meets half a report, and two runs that cross leave one of theirs, not a mix of both.
 */
export const writeReportFile = (file: string, text: string): Promise<void> => writeFileAtomic(file, text);

/** A report file of one target: absent, unreadable (with why), or its content. */
export type ReportFile<T> = { readonly state: 'absent' } | { readonly state: 'unreadable'; readonly problem: string } | { readonly state: 'read'; readonly content: T };

/**
 * A report file as JSON, told apart: absent, unreadable (no access, not JSON, not of this shape), or read. `shapeProblem`
 * names what makes a parsed value no report of its kind (undefined: none).
 */
export async function readReportFile<T>(file: string, shapeProblem: (value: unknown) => string | undefined): Promise<ReportFile<T>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    return { state: 'unreadable', problem: (error as Error).message };
  }
  try {
    const content: unknown = JSON.parse(text);
    const problem = shapeProblem(content);
    return problem === undefined ? { state: 'read', content: content as T } : { state: 'unreadable', problem: `it is not a report of this kit (${problem})` };
  } catch (error) {
    return { state: 'unreadable', problem: `it is not JSON (${(error as Error).message})` };
  }
}

// Typed as the report itself: a field added to MatrixReport or CaseResult and not here fails the type check.
const MatrixReportShape: z.ZodType<MatrixReport> = z.object({
  target: z.string(),
  targetDescription: z.string(),
  stackName: z.string(),
  artefactSha256: z.string().optional(),
  prefix: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
  counts: z.record(z.string(), z.number()),
  results: z.array(
    z.object({ id: z.number(), name: z.string(), outcome: z.enum(Object.values(CaseOutcome)), reason: z.string().optional(), evidence: z.array(z.string()), durationMs: z.number() }),
  ),
  notRun: z.array(z.object({ id: z.number(), name: z.string(), why: z.string() })).optional(),
  targetStopped: z.object({ caseId: z.number(), problem: z.string() }).optional(),
});

/** What keeps a parsed file from a matrix report's shape (every field that matrix-compare and the console print), named by its path; undefined: nothing. */
export function matrixReportProblem(value: unknown): string | undefined {
  const parsed = MatrixReportShape.safeParse(value);
  if (parsed.success) return undefined;
  const [first] = parsed.error.issues;
  const path = first?.path.join('.');
  return path ? `its ${path} is missing or wrong: ${first?.message}` : first?.message;
}
