import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UsageError } from './cli.js';
import type { Target } from './targets.js';

const ParameterFile = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export type Parameters = Readonly<Record<string, string>>;

/** The target's parameter file (cloudformation/parameters/<target>.json), as strings. */
export async function parametersFor(target: Target): Promise<Parameters> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(target.parameterFile, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the parameter file ${target.parameterFile}: ${(error as Error).message}`);
  }
  const parsed = ParameterFile.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${target.parameterFile} must be a JSON object of parameter names to values: ${parsed.error.issues[0]?.message}`);
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
