import { createHash } from 'node:crypto';
import { isBuiltin } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ARTEFACT_BUDGET_BYTES, ArtefactOverBudget, artefactKey, buildArtefact, bundleHandler, describeArtefact } from '../../scripts/lib/artefact.js';

// Two esbuild builds take about a second on an idle machine and several under load: a correctness test, not a
// timed one, so it gets room instead of vitest's 5 s default.
const TWO_BUILDS_TIMEOUT_MS = 120_000;

describe('the handler artefact', () => {
  it('is byte-identical across two builds of the same source', async () => {
    // Act
    const first = await buildArtefact();
    const second = await buildArtefact();
    // Assess
    expect(second.sha256).toBe(first.sha256);
    expect(Buffer.compare(first.bytes, second.bytes)).toBe(0);
  }, TWO_BUILDS_TIMEOUT_MS);

  it("reports its digest as hex for the file and as base64 for Lambda's CodeSha256", () => {
    // Prepare
    const bytes = Buffer.from('zip bytes');
    const digest = createHash('sha256').update(bytes).digest();
    // Act
    const artefact = describeArtefact(bytes);
    // Assess
    expect(artefact.sha256).toBe(digest.toString('hex'));
    expect(artefact.codeSha256).toBe(digest.toString('base64'));
    expect(artefactKey(artefact)).toBe(`backup-kit/handler-${digest.toString('hex')}.zip`);
  });

  it('stays within its size budget, without the SDK credential chain that Lambda never uses', async () => {
    // Act
    const artefact = await buildArtefact();
    // Assess
    expect(artefact.bytes.length).toBeLessThanOrEqual(ARTEFACT_BUDGET_BYTES);
    const code = (await bundleHandler()).toString('utf8');
    expect(code).not.toContain('AWS_WEB_IDENTITY_TOKEN_FILE');
    expect(code).not.toContain('sso_start_url');
  }, 60_000);

  it("needs nothing but Node's own modules: every package is in the bundle, as Lambda needs it", async () => {
    // Act
    const code = (await bundleHandler()).toString('utf8');
    // Assess
    // Calls only: the SDK's error messages quote "[require('@aws-sdk/signature-v4a');]" as advice.
    const required = [...code.matchAll(/(?<![[\w.$])require\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((match) => match[1]!);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !isBuiltin(name))).toEqual([]);
  }, 60_000);

  it('is refused when over its budget, before anything is written, so that no deploy ships it', async () => {
    // Act: a budget of 100 KiB, below the zip's size
    const built = buildArtefact(100 * 1024);
    // Assess
    await expect(built).rejects.toThrow(ArtefactOverBudget);
    await expect(built).rejects.toThrow(/^the zip is 1\d\d\.\d KiB, over its budget of 100 KiB: find what the handler newly pulls in \(esbuild --metafile\) and trim it; nothing was written$/);
  }, 60_000);
});
