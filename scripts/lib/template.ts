import { readFile } from 'node:fs/promises';
import { parse, type Tags } from 'yaml';
import { templatePath } from './paths.js';

/** CloudFormation's short-form tags (`!Ref`, `!Sub` …), turned into their long form while parsing. */
const scalarFunctions = ['Base64', 'GetAZs', 'ImportValue', 'Sub', 'Condition'] as const;
const sequenceFunctions = ['And', 'Equals', 'FindInMap', 'If', 'Join', 'Not', 'Or', 'Select', 'Split', 'Sub', 'Cidr', 'GetAtt'] as const;

const longName = (name: string) => (name === 'Condition' ? 'Condition' : `Fn::${name}`);

const cloudFormationTags: Tags = [
  { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
  { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': value.split('.', 2) }) },
  ...scalarFunctions.map((name) => ({ tag: `!${name}`, resolve: (value: string) => ({ [longName(name)]: value }) })),
  ...sequenceFunctions.map((name) => ({
    tag: `!${name}`,
    collection: 'seq' as const,
    resolve: (value: { toJSON(): unknown }) => ({ [longName(name)]: value.toJSON() }),
  })),
  { tag: '!Transform', collection: 'map' as const, resolve: (value: { toJSON(): unknown }) => ({ 'Fn::Transform': value.toJSON() }) },
];

export type Resource = {
  readonly Type: string;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Properties?: Record<string, unknown>;
};

export type Template = {
  readonly AWSTemplateFormatVersion?: string;
  readonly Transform?: unknown;
  readonly Parameters: Record<string, Record<string, unknown>>;
  readonly Conditions: Record<string, unknown>;
  readonly Resources: Record<string, Resource>;
  readonly Outputs: Record<string, { Value: unknown; Condition?: string }>;
};

export function parseTemplate(text: string): Template {
  return parse(text, { customTags: cloudFormationTags }) as Template;
}

export async function readTemplateText(): Promise<string> {
  return readFile(templatePath, 'utf8');
}

/** The template's parameter defaults, as strings: what CloudFormation takes for a parameter left out. */
export function parameterDefaults(template: Template): Readonly<Record<string, string>> {
  return Object.fromEntries(Object.entries(template.Parameters).flatMap(([name, parameter]) => (parameter.Default === undefined ? [] : [[name, String(parameter.Default)]])));
}

export async function loadTemplate(): Promise<Template> {
  return parseTemplate(await readTemplateText());
}

/** Logical ids a value refers to through Ref, Fn::GetAtt and ${…} in Fn::Sub (pseudo parameters and an Fn::Sub's own variables excluded). */
export function referencesIn(value: unknown): Set<string> {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, child] of Object.entries(node)) {
      if (key === 'Ref' && typeof child === 'string') found.add(child);
      else if (key === 'Fn::GetAtt' && Array.isArray(child) && typeof child[0] === 'string') found.add(child[0]);
      else if (key === 'Fn::GetAtt' && typeof child === 'string') found.add(child.split('.')[0] ?? child);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(child) ? child[0] : child;
        const variables: unknown = Array.isArray(child) ? child[1] : undefined;
        // A name its own variable map gives a value is the Fn::Sub's, not the template's.
        const local = typeof variables === 'object' && variables !== null ? Object.keys(variables) : [];
        if (typeof text === 'string') {
          for (const match of text.matchAll(/\$\{([^}!.]+)(?:\.[^}]+)?\}/g)) if (match[1] && !local.includes(match[1])) found.add(match[1]);
        }
        visit(variables);
      } else visit(child);
    }
  };
  visit(value);
  for (const name of [...found]) if (name.startsWith('AWS::')) found.delete(name);
  return found;
}

/** Each resource's dependencies on other resources: references plus DependsOn. */
export function dependencyGraph(template: Template): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    const edges = new Set([...referencesIn(resource.Properties ?? {}), ...dependsOn]);
    graph.set(id, new Set([...edges].filter((target) => target in template.Resources)));
  }
  return graph;
}

/** A dependency cycle as a list of logical ids, or undefined when the graph has none. */
export function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'visiting');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * What CloudFormation refuses in a template's references before it changes anything, in its words: a Ref,
 * Fn::GetAtt, ${…} or DependsOn naming neither a parameter nor a resource, or resources that depend on each other
 * in a circle; and a Condition named that the template does not declare. Undefined when there is none.
 */
export function referenceProblem(template: Template): string | undefined {
  // A macro (SAM) makes resources of its own, which only CloudFormation's expansion names.
  if (template.Transform !== undefined) return undefined;
  const declared = new Set([...Object.keys(template.Parameters ?? {}), ...Object.keys(template.Resources)]);
  const resources = Object.values(template.Resources);
  // A DependsOn names resources only; the other references name parameters too.
  const unresolvedDependsOn = resources.flatMap((resource) => (resource.DependsOn === undefined ? [] : [resource.DependsOn].flat())).filter((name) => !(name in template.Resources));
  const blocks = {
    Resources: [...resources.flatMap((resource) => [...referencesIn(resource.Properties ?? {})].filter((name) => !declared.has(name))), ...unresolvedDependsOn],
    Outputs: [...referencesIn(template.Outputs ?? {})].filter((name) => !declared.has(name)),
  };
  for (const [block, names] of Object.entries(blocks)) {
    const unresolved = [...new Set(names)].sort();
    if (unresolved.length > 0) return `Template format error: Unresolved resource dependencies [${unresolved.join(', ')}] in the ${block} block of the template`;
  }
  const cycle = findCycle(dependencyGraph(template));
  if (cycle) return `Circular dependency between resources: [${[...new Set(cycle)].join(', ')}]`;
  const conditions = new Set(Object.keys(template.Conditions ?? {}));
  const named = [...resources, ...Object.values(template.Outputs ?? {})].flatMap((entry) => (entry.Condition === undefined ? [] : [entry.Condition]));
  const undeclared = [...new Set([...named, ...conditionsInIf(template)])].filter((name) => !conditions.has(name)).sort();
  if (undeclared.length > 0) return `Template format error: Unresolved condition dependencies [${undeclared.join(', ')}]: not declared in the Conditions block of the template`;
  return undefined;
}

/** The Condition names every Fn::If of the Resources and Outputs blocks tests. */
function conditionsInIf(template: Template): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    for (const [key, child] of Object.entries(node)) {
      if (key === 'Fn::If' && Array.isArray(child) && typeof child[0] === 'string') found.push(child[0]);
      visit(child);
    }
  };
  visit([template.Resources, template.Outputs ?? {}]);
  return found;
}
