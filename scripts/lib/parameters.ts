import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UsageError } from './cli.js';
import type { Target } from './targets.js';

const ParameterFile = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export type Parameters = Readonly<Record<string, string>>;

/** The target's parameter file (cloudformation/parameters/<target>.json), as strings; a file that cannot be used is a usage error. */
export async function parametersFor(target: Target): Promise<Parameters> {
  const file = target.parameterFile;
  const restore = `restore the kit's with \`git checkout cloudformation/parameters/${target.name}.json\``;
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new UsageError(`cannot read the parameter file ${file} (${error.message}): ${restore}`);
  });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON (${(error as Error).message}): fix it, or ${restore}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UsageError(`${file} must be a JSON object of parameter names to values, e.g. { "FunctionMemoryMb": 1024 }`);
  }
  const parsed = ParameterFile.safeParse(raw);
  if (!parsed.success) {
    const name = String(parsed.error.issues[0]?.path[0] ?? '?');
    throw new UsageError(`${file}: ${name} must be a string, a number or true/false, not ${JSON.stringify((raw as Record<string, unknown>)[name])}`);
  }
  return Object.fromEntries(Object.entries(parsed.data).map(([key, value]) => [key, String(value)]));
}

/** Parses `Key=Value` overrides given on the command line. */
export function parseOverrides(pairs: readonly string[]): Parameters {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new UsageError(`parameter override "${pair}" must look like Name=Value (e.g. --parameter FunctionMemoryMb=1024)`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** The stack is named after its NamePrefix parameter, so resource names and the stack name agree. */
export function stackNameOf(parameters: Parameters): string {
  return parameters.NamePrefix ?? 'backup-kit';
}
