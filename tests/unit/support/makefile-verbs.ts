import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../../../scripts/lib/paths.js';

export type Verb = { readonly name: string; readonly recipe: string };

/** Each verb of the Makefile with its recipe: the rule's line with its `##` help, and the tab-indented lines after it. */
export async function makefileVerbs(): Promise<Verb[]> {
  const makefile = await readFile(join(projectRoot, 'Makefile'), 'utf8');
  const verbs: Verb[] = [];
  for (const line of makefile.split('\n')) {
    const rule = /^([a-z-]+):.*## /.exec(line);
    if (rule) verbs.push({ name: rule[1]!, recipe: '' });
    else if (line.startsWith('\t') && verbs.length > 0) verbs[verbs.length - 1] = { ...verbs.at(-1)!, recipe: `${verbs.at(-1)!.recipe}${line}\n` };
  }
  return verbs;
}

/** The make variables a recipe hands on to its script: those it passes through `option`, and YES through `yes_flag`. */
export const variablesHandedOn = (recipe: string): string[] => [
  ...[...recipe.matchAll(/\$\(call option,([A-Z_]+),/g)].map((match) => match[1]!),
  ...(recipe.includes('$(yes_flag)') ? ['YES'] : []),
];
