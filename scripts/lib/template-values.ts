import { parameterDefaults, type Template } from './template.js';

/** What a template value can refer to once the stack exists: parameters, pseudo parameters and resources by their Ref. */
export type StackNames = {
  /** Every parameter's value in the stack, defaults included (parameterDefaults). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly accountId: string;
  readonly region: string;
  /** The partition of the stack's ARNs (aws, aws-cn, aws-us-gov). */
  readonly partition: string;
  /** The stack's outputs by name: a resource's Ref (or attribute) is read from an output whose Value is that Ref (or Fn::GetAtt). */
  readonly outputs: Readonly<Record<string, string | undefined>>;
  /** Attributes no output gives that the caller knows otherwise, by `LogicalId.Attribute` (a bucket's Arn from its name). */
  readonly attributes?: Readonly<Record<string, string | undefined>>;
};

/**
 * The names of a deployed stack, for resolveValue: the values it was deployed with (a parameter left out took its
 * default), and its account, region and partition, read from its function's ARN
 * (arn:<partition>:lambda:<region>:<account>:function:<name>).
 */
export function stackNamesOf(
  template: Template,
  parameters: Readonly<Record<string, string>>,
  outputs: Readonly<Record<string, string | undefined>> & { readonly BackupFunctionArn: string },
  attributes?: StackNames['attributes'],
): StackNames {
  const [, partition = 'aws', , region = '', accountId = ''] = outputs.BackupFunctionArn.split(':');
  return { parameters: { ...parameterDefaults(template), ...parameters }, accountId, region, partition, outputs, ...(attributes ? { attributes } : {}) };
}

/**
 * The value a template's `Ref`, `Fn::GetAtt` or `Fn::Sub` (or a plain string or number) has in a deployed stack, or
 * undefined for what cannot be known from outside it (a resource or attribute that no output gives, nor the caller).
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
  const attributeOf = (id: string, attribute: string): string | undefined => {
    const known = names.attributes?.[`${id}.${attribute}`];
    if (known !== undefined) return known;
    const output = Object.entries(template.Outputs).find(([, declared]) => {
      const getAtt = (declared.Value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
      return Array.isArray(getAtt) && getAtt[0] === id && getAtt[1] === attribute;
    });
    return output ? names.outputs[output[0]] : undefined;
  };
  // `${Id.Attribute}` in Fn::Sub, `Id.Attribute` as Fn::GetAtt's short form.
  const named = (name: string) => {
    const dot = name.indexOf('.');
    return dot > 0 && !name.startsWith('AWS::') ? attributeOf(name.slice(0, dot), name.slice(dot + 1)) : refOf(name);
  };
  if ('Ref' in node) return refOf(String((node as { Ref: unknown }).Ref));
  if ('Fn::GetAtt' in node) {
    const getAtt = (node as { 'Fn::GetAtt': unknown })['Fn::GetAtt'];
    if (typeof getAtt === 'string') return named(getAtt);
    return Array.isArray(getAtt) ? attributeOf(String(getAtt[0]), String(getAtt[1])) : undefined;
  }
  if ('Fn::Sub' in node) {
    const text = (node as { 'Fn::Sub': unknown })['Fn::Sub'];
    if (typeof text !== 'string') return undefined;
    let unknown = false;
    const value = text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const resolved = named(name);
      unknown ||= resolved === undefined;
      return resolved ?? '';
    });
    return unknown ? undefined : value;
  }
  return undefined;
}
