import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MatrixReport } from '../../scripts/matrix/run.js';
import type { CaseOutcome } from '../../scripts/matrix/types.js';
import { localMatrixProof } from '../../scripts/lib/tested-artefact.js';

const TESTED = 'c64cc9eec607a1b2c3d4e5f60718293a4b5c6d7e8f9012345678901234567890';
const OTHER = '18400677262340ec18ffde305d032c65d5afcb2d29e42f6a5a6c33b1a3b519ff';
let reports: string;

beforeEach(async () => {
  reports = await mkdtemp(join(tmpdir(), 'backup-kit-reports-'));
});
afterEach(async () => {
  await rm(reports, { recursive: true, force: true });
});

/** A matrix report of `target` on `artefactSha256`, its cases' outcomes as given, and those left out by CASE=. */
async function writeReport(target: string, artefactSha256: string, outcomes: Record<number, CaseOutcome>, leftOut: number[] = []): Promise<void> {
  const report: MatrixReport = {
    target, targetDescription: target, stackName: 'backup-kit', prefix: 'matrix/x/', startedAt: '2026-12-03T15:54:31.006Z', durationMs: 1,
    counts: { PASS: 0, FAIL: 0, SKIP: 0, SIMULATED: 0 },
    results: Object.entries(outcomes).map(([id, outcome]) => ({ id: Number(id), name: `case ${id}`, outcome, evidence: [], durationMs: 1 })),
    artefactSha256,
    ...(leftOut.length > 0 ? { notRun: leftOut.map((id) => ({ id, name: `case ${id}`, why: 'left out by CASE=' })) } : {}),
  };
  await writeFile(join(reports, `matrix-${target}.json`), JSON.stringify(report));
}

describe('the proof that the zip going to AWS passed the local matrix', () => {
  it('takes a local run of every case on this artefact, none failing (a SKIP or SIMULATED is no failure)', async () => {
    // Prepare
    await writeReport('embedded', OTHER, { 1: 'PASS' });
    await writeReport('localstack', TESTED, { 1: 'PASS', 5: 'SIMULATED', 8: 'SKIP' });
    // Act
    const proof = await localMatrixProof(TESTED, reports);
    // Assess
    expect(proof).toMatch(/matrix-localstack\.json \(2026-12-03T15:54:31\.006Z\): every case ran on this artefact on localstack, none failed$/);
  });

  it('refuses, saying what each report holds and what to run, where none tested this artefact whole and without a failure', async () => {
    // Prepare: another artefact's run; this one's with a failure; then with cases left out; then none at all
    await writeReport('embedded', OTHER, { 1: 'PASS' });
    const otherArtefact = await localMatrixProof(TESTED, reports).catch((error: Error) => error.message);
    await writeReport('embedded', TESTED, { 1: 'PASS', 3: 'FAIL' });
    const failed = await localMatrixProof(TESTED, reports).catch((error: Error) => error.message);
    await writeReport('embedded', TESTED, { 1: 'PASS' }, [2, 3]);
    const partial = await localMatrixProof(TESTED, reports).catch((error: Error) => error.message);
    await rm(join(reports, 'matrix-embedded.json'));
    const none = await localMatrixProof(TESTED, reports).catch((error: Error) => error.message);
    // Assess
    expect(otherArtefact).toMatch(/^dist\/handler\.zip \(sha256 c64cc9eec607…\) has not passed the matrix on a local target \(in .*matrix-embedded\.json, it tested artefact 184006772623…, not this one; .*matrix-localstack\.json is absent\), and only a zip the local suites tested goes to AWS: run `make matrix`/);
    expect(failed).toContain('matrix-embedded.json, case 3 failed;');
    expect(partial).toContain('matrix-embedded.json, case 2, 3 did not run (left out by CASE=);');
    expect(none).toMatch(/\(.*matrix-embedded\.json is absent; .*matrix-localstack\.json is absent\)/);
  });
});
