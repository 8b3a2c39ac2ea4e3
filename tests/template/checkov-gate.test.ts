import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkovEnvironment } from '../../scripts/lib/checkov-summary.js';
import { projectRoot, templatePath, toolsVenvBin } from '../../scripts/lib/paths.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'backup-kit-checkov-gate-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("make lint's checkov", () => {
  it("reports a finding the template does not accept whatever the user's own checkov settings (~/.checkov.yaml, CKV_ variables) say", async () => {
    // Prepare: the queue's accepted finding no longer accepted; a home whose .checkov.yaml, written for other
    // projects, skips that check and soft-fails, and the same in the environment
    const text = await readFile(templatePath, 'utf8');
    const unaccepted = text.replace('          - id: CKV_AWS_27\n', '          - id: CKV_AWS_999\n');
    expect(unaccepted).not.toBe(text);
    const template = join(directory, 'template.yaml');
    await writeFile(template, unaccepted);
    const userHome = join(directory, 'user-home');
    const lintHome = join(directory, 'lint-home');
    await Promise.all([userHome, lintHome].map((folder) => mkdir(folder)));
    await writeFile(join(userHome, '.checkov.yaml'), 'soft-fail: true\nskip-check: CKV_AWS_27\n');
    const environment = { ...process.env, HOME: userHome, CKV_SKIP_CHECK: 'CKV_AWS_27', CKV_CHECK: 'CKV_AWS_18' };
    // Act
    const scan = spawnSync(
      join(toolsVenvBin, 'checkov'),
      ['--file', relative(projectRoot, template), '--framework', 'cloudformation', '--compact', '--quiet', '--skip-download'],
      { cwd: projectRoot, env: checkovEnvironment(environment, lintHome), encoding: 'utf8' },
    );
    // Assess
    expect(scan.stdout).toMatch(/Failed checks: 1,/);
    expect(scan.stdout).toMatch(/CKV_AWS_27/);
    expect(scan.status).toBe(1);
  }, 120_000);

  it('keeps the rest of the environment (PATH, the proxy settings)', () => {
    // Act
    const environment = checkovEnvironment({ PATH: '/usr/bin', HTTPS_PROXY: 'http://proxy:3128', HOME: '/home/owner', CKV_FRAMEWORK: 'terraform', BC_API_KEY: 'key' }, '/tmp/lint-home');
    // Assess
    expect(environment).toEqual({ PATH: '/usr/bin', HTTPS_PROXY: 'http://proxy:3128', HOME: '/tmp/lint-home' });
  });
});
