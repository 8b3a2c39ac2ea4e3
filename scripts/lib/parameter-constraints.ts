import { distance } from 'fastest-levenshtein';
import type { Parameters } from './parameters.js';
import type { Template } from './template.js';

type Declaration = Readonly<Record<string, unknown>>;

/** A decimal number as a parameter value: the same pattern as the emulator's (kit_emulator/cloudformation_parameters.py). */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** What is wrong with one value, in CloudFormation's words; undefined when it meets every constraint. */
function violation(name: string, declaration: Declaration, value: string): string | undefined {
  if (declaration.Type === 'Number') {
    if (!NUMBER.test(value)) return `Parameter '${name}' must be a number.`;
    const number = Number(value);
    if (declaration.MinValue !== undefined && number < Number(declaration.MinValue)) return `Parameter '${name}' must be a number not less than ${declaration.MinValue}`;
    if (declaration.MaxValue !== undefined && number > Number(declaration.MaxValue)) return `Parameter '${name}' must be a number not greater than ${declaration.MaxValue}`;
  } else {
    if (declaration.MinLength !== undefined && value.length < Number(declaration.MinLength)) return `Parameter '${name}' must contain at least ${declaration.MinLength} characters`;
    if (declaration.MaxLength !== undefined && value.length > Number(declaration.MaxLength)) return `Parameter '${name}' must contain at most ${declaration.MaxLength} characters`;
    if (declaration.AllowedPattern !== undefined && !new RegExp(`^(?:${String(declaration.AllowedPattern)})$`).test(value)) return `Parameter '${name}' must match pattern ${declaration.AllowedPattern}`;
  }
  const allowed = declaration.AllowedValues;
  if (Array.isArray(allowed) && !allowed.map(String).includes(value)) return `Parameter '${name}' must be one of AllowedValues`;
  return undefined;
}

/**
 * The first thing CloudFormation would refuse in these parameter values (an unknown name, a value outside its
 * constraints, in its words), so that a deploy refuses them before it writes anything (its artefacts bucket is
 * named after NamePrefix). The emulator checks the same at its API (kit_emulator/cloudformation_parameters.py).
 */
export function parameterProblem(template: Template, given: Parameters): string | undefined {
  const declared = template.Parameters;
  const unknown = Object.keys(given).filter((name) => !(name in declared));
  if (unknown.length > 0) return `Parameters: [${unknown.join(', ')}] do not exist in the template`;
  // In the template's order, as the emulator checks them, so that both name the same parameter first.
  for (const [name, declaration] of Object.entries(declared)) {
    const value = given[name];
    if (value === undefined) continue;
    const problem = violation(name, declaration, value);
    // As CloudFormation does: the template's own description of the constraint replaces the reason.
    if (problem) return declaration.ConstraintDescription ? `Parameter ${name} failed to satisfy constraint: ${String(declaration.ConstraintDescription)}` : problem;
  }
  return undefined;
}

/** The service a resource type belongs to, as a person names it: `AWS::Logs::LogGroup` → CloudWatch Logs. */
function serviceOf(type: string): string {
  const service = type.split('::')[1] ?? type;
  return service === 'Logs' ? 'CloudWatch Logs' : service;
}

/** The keys under which `node` holds a `Ref` to `name`, each the nearest key that is not an intrinsic function's. */
function keysReferring(node: unknown, name: string, key: string): string[] {
  if (Array.isArray(node)) return node.flatMap((item) => keysReferring(item, name, key));
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([child, value]) => {
    if (child === 'Ref') return value === name ? [key] : [];
    return keysReferring(value, name, child.startsWith('Fn::') ? key : child);
  });
}

/**
 * What takes a parameter's value in the template's resources, and in what form: `Lambda's MemorySize, which takes a
 * whole number`, `S3's LifecycleConfiguration (NoncurrentDays), …`, `the function's environment (COPY_CONCURRENCY), …`.
 */
function consumersOf(template: Template, name: string): string[] {
  const consumers = Object.values(template.Resources).flatMap((resource) =>
    Object.entries(resource.Properties ?? {}).flatMap(([property, value]) =>
      keysReferring(value, name, property).map((leaf) => {
        // The function's configuration check reads its variables, and it takes digits only.
        if (resource.Type === 'AWS::Lambda::Function' && property === 'Environment') return `the function's environment (${leaf}), whose configuration check takes digits only`;
        return `${serviceOf(resource.Type)}'s ${property}${leaf === property ? '' : ` (${leaf})`}, which takes a whole number`;
      }),
    ),
  );
  return [...new Set(consumers)];
}

/**
 * A Number parameter written other than as a whole number in digits: CloudFormation takes `2.5`, `+4` or `1.5e3`,
 * but the kit's numbers end in integer settings (Lambda's memory, timeout and event age, S3's lifecycle and Object
 * Lock days: a deploy that fails or truncates there) and in the function's environment, whose configuration check
 * takes digits only (every event would fail and be parked); the error names where this one ends. Leading zeros are
 * refused too: the settings store `0768` as 768, which the drift check compares as written.
 */
export function wholeNumberProblem(template: Template, given: Parameters): string | undefined {
  for (const [name, declaration] of Object.entries(template.Parameters)) {
    const value = given[name];
    if (declaration.Type !== 'Number' || value === undefined || /^(0|[1-9]\d*)$/.test(value)) continue;
    if (/^\d+$/.test(value)) {
      return `Parameter '${name}' must be written without leading zeros, as ${value.replace(/^0+(?=\d)/, '')}: settings read it as that number, and the drift check would then find ${value} changed`;
    }
    const consumers = consumersOf(template, name);
    const reaches = consumers.length > 0 ? `the kit hands it to ${consumers.join('; and to ')}` : 'the kit takes whole numbers only';
    return `Parameter '${name}' must be a whole number in digits, such as ${String(declaration.Default)}: CloudFormation takes ${value}, but ${reaches}`;
  }
  return undefined;
}

/** Names as a person means them: `FunctionMemoryMB`, `function-memory-mb` and `FunctionMemoryMb` are one. */
const looseName = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * For names the template does not declare, the declared one each was probably meant to be (the same name in
 * other case or punctuation, or at most two letters apart), leaving out those a person may not set; undefined when
 * none is close. CloudFormation's own
 * message names only what is wrong: this says what to write instead.
 */
export function parameterNameSuggestion(template: Template, given: Parameters, notToSuggest: readonly string[] = []): string | undefined {
  const declared = Object.keys(template.Parameters);
  const suggestable = declared.filter((name) => !notToSuggest.includes(name));
  const suggestions = Object.keys(given)
    .filter((name) => !declared.includes(name))
    .flatMap((name) => {
      const ranked = suggestable
        .map((candidate) => ({ candidate, apart: distance(looseName(name), looseName(candidate)) }))
        .filter(({ apart }) => apart <= 2)
        .sort((a, b) => a.apart - b.apart);
      return ranked[0] ? [`${ranked[0].candidate} instead of ${name}`] : [];
    });
  return suggestions.length > 0 ? `did you mean ${suggestions.join('; ')}?` : undefined;
}
