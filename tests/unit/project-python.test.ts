import { describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { projectPython } from '../../scripts/lib/python.js';

// A checkout where `make setup` has not run: no .venv.
vi.mock('node:fs', async (original) => ({ ...(await original<typeof import('node:fs')>()), existsSync: () => false }));

describe("the project's Python", () => {
  it('is a set-up error (exit 2) that says to run make setup when the virtualenv is missing, where it exited 1', () => {
    // Act
    const finding = () => projectPython();
    // Assess
    expect(finding).toThrow(UsageError);
    expect(finding).toThrow(/^the project's Python virtualenv is missing \(.*\/\.venv\/bin\/python\): run `make setup` first$/);
  });
});
