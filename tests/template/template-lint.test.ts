import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templatePath } from '../../scripts/lib/paths.js';
import { UsageError } from '../../scripts/lib/cli.js';
import { templateLintFindings } from '../../scripts/lib/template-lint.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'backup-kit-template-lint-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('the cfn-lint check a deploy to AWS makes first', () => {
  it('finds nothing in the template as it is', () => {
    // Act
    const findings = templateLintFindings();
    // Assess
    expect(findings).toBeUndefined();
  }, 30_000);

  it('names a misspelt property, which the reference check lets through', async () => {
    // Prepare
    const text = await readFile(templatePath, 'utf8');
    const misspelt = text.replace('      VersioningConfiguration:', '      VersioningConfiguraton:');
    expect(misspelt).not.toBe(text);
    const copy = join(directory, 'template.yaml');
    await writeFile(copy, misspelt);
    // Act
    const findings = templateLintFindings(copy);
    // Assess
    expect(findings).toMatch(/VersioningConfiguraton/);
    expect(findings).toMatch(/E3002/);
  }, 30_000);

  it("names a warning whatever the user's own ~/.cfnlintrc, written for other projects, says to ignore", async () => {
    // Prepare: a parameter nothing uses (W2001), and a home whose .cfnlintrc ignores every warning and error
    const text = await readFile(templatePath, 'utf8');
    const unused = text.replace('\nParameters:\n', '\nParameters:\n  UnusedThing:\n    Type: String\n    Default: x\n');
    expect(unused).not.toBe(text);
    const copy = join(directory, 'template-unused.yaml');
    await writeFile(copy, unused);
    const home = join(directory, 'home');
    await mkdir(home);
    await writeFile(join(home, '.cfnlintrc'), 'ignore_checks:\n  - W\n  - E\n');
    const ownHome = process.env.HOME;
    process.env.HOME = home;
    // Act
    let findings: string | undefined;
    try {
      findings = templateLintFindings(copy);
    } finally {
      process.env.HOME = ownHome;
    }
    // Assess
    expect(findings).toMatch(/W2001/);
  }, 30_000);

  it('checks the template for the region the deploy goes to, and says that a region cfn-lint does not know is the region, not the template', () => {
    // Act
    const inRegion = templateLintFindings(templatePath, 'eu-central-1');
    const misspelt = () => templateLintFindings(templatePath, 'us-east1');
    // Assess
    expect(inRegion).toBeUndefined();
    expect(misspelt).toThrow(UsageError);
    expect(misspelt).toThrow(
      /^cfn-lint knows no AWS region us-east1: check the region for a typo \(AWS regions are written like eu-central-1\); a region newer than the pinned cfn-lint needs a newer one in scripts\/emulator\/requirements\.txt\. Nothing was changed$/,
    );
  }, 60_000);
});
