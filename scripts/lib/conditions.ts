import type { Parameters } from './parameters.js';
import type { Template } from './template.js';

/** The pseudo parameters a Condition may read (`AWS::Region` …), by name, as the stack has them. */
export type PseudoParameters = Readonly<Record<`AWS::${string}`, string>>;

/**
 * Evaluates the template's Conditions (Fn::Equals/Not/And/Or over parameters and the pseudo parameters given) for given
 * parameter values. A Ref to anything else is refused by name: read as "", it would decide the Condition silently.
 */
export function evaluateConditions(template: Template, parameters: Parameters, pseudo: PseudoParameters = {}): Record<string, boolean> {
  const value = (node: unknown): unknown => {
    if (typeof node !== 'object' || node === null) return node;
    const ref = (node as { Ref?: string }).Ref;
    if (ref === undefined) return node;
    if (ref in parameters) return parameters[ref];
    if (ref in template.Parameters) return String(template.Parameters[ref]?.Default ?? '');
    const known = (pseudo as Record<string, string>)[ref];
    if (known !== undefined) return known;
    throw new Error(`Ref ${ref} in a Condition is not supported by the drift check: a Condition may read the template's parameters and ${Object.keys(pseudo).join(', ') || 'no pseudo parameter'}`);
  };
  const results: Record<string, boolean> = {};
  const evaluate = (node: unknown): boolean => {
    const [fn, args] = Object.entries(node as Record<string, unknown>)[0] ?? [];
    const list = args as unknown[];
    switch (fn) {
      case 'Fn::Equals':
        return String(value(list[0])) === String(value(list[1]));
      case 'Fn::Not':
        return !evaluate(list[0]);
      case 'Fn::And':
        return list.every(evaluate);
      case 'Fn::Or':
        return list.some(evaluate);
      case 'Condition':
        return condition(args as string);
      default:
        throw new Error(`condition function ${fn} is not supported by the drift check`);
    }
  };
  const condition = (name: string): boolean => {
    results[name] ??= evaluate(template.Conditions[name]);
    return results[name];
  };
  for (const name of Object.keys(template.Conditions)) condition(name);
  return results;
}

/** Resolves Fn::If branches (and drops AWS::NoValue) in a template fragment, for known condition values. */
export function resolveIfs(node: unknown, conditions: Record<string, boolean>): unknown {
  if (Array.isArray(node)) {
    return node.map((item) => resolveIfs(item, conditions)).filter((item) => item !== undefined);
  }
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node);
  const [first] = entries;
  if (entries.length === 1 && first?.[0] === 'Fn::If') {
    const [name, whenTrue, whenFalse] = first[1] as [string, unknown, unknown];
    return resolveIfs(conditions[name] ? whenTrue : whenFalse, conditions);
  }
  if (entries.length === 1 && first?.[0] === 'Ref' && first[1] === 'AWS::NoValue') return undefined;
  return Object.fromEntries(entries.map(([key, child]) => [key, resolveIfs(child, conditions)]));
}
