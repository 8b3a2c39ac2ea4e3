import type { Template } from './template.js';

/** What a template value can refer to once the stack exists: parameters, pseudo parameters and resources by their Ref. */
export type StackNames = {
  /** Every parameter's value in the stack, defaults included (parameterDefaults). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly accountId: string;
  readonly region: string;
  /** The partition of the stack's ARNs (aws, aws-cn, aws-us-gov). */
  readonly partition: string;
  /** The stack's outputs by name: a resource's Ref is read from an output whose Value is that Ref. */
  readonly outputs: Readonly<Record<string, string | undefined>>;
};

/**
 * The value a template's `Ref` or `Fn::Sub` (or a plain string or number) has in a deployed stack, or undefined
 * for what cannot be known from outside it (Fn::GetAtt, a resource no output names).
 */
export function resolveValue(template: Template, node: unknown, names: StackNames): string | undefined {
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (typeof node !== 'object' || node === null) return undefined;
  const refOf = (name: string): string | undefined => {
    if (name === 'AWS::AccountId') return names.accountId;
    if (name === 'AWS::Region') return names.region;
    if (name === 'AWS::Partition') return names.partition;
    if (name in template.Parameters) return names.parameters[name];
    const output = Object.entries(template.Outputs).find(([, declared]) => (declared.Value as { Ref?: unknown } | undefined)?.Ref === name);
    return output ? names.outputs[output[0]] : undefined;
  };
  if ('Ref' in node) return refOf(String((node as { Ref: unknown }).Ref));
  if ('Fn::Sub' in node) {
    const text = (node as { 'Fn::Sub': unknown })['Fn::Sub'];
    if (typeof text !== 'string') return undefined;
    let unknown = false;
    const value = text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const resolved = refOf(name);
      unknown ||= resolved === undefined;
      return resolved ?? '';
    });
    return unknown ? undefined : value;
  }
  return undefined;
}
