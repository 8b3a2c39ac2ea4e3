import { createInterface } from 'node:readline/promises';

/** Exit codes the scripts share: 0 done, 1 the operation failed, 2 the command line or setup is wrong. */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;

/** A wrong command line or set-up: the script exits with ExitCode.usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Asks a yes/no question on a terminal; without one, the answer is no (use --yes in scripts). */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await prompt.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

/** Runs a script's main function: errors print their message (no stack for expected failures) and set the exit code. */
export function run(main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      process.exitCode = code ?? ExitCode.ok;
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`error: ${message}`);
      if (process.env.BACKUP_KIT_DEBUG && error instanceof Error) console.error(error.stack);
      process.exitCode = error instanceof UsageError ? ExitCode.usage : ExitCode.failed;
    },
  );
}
