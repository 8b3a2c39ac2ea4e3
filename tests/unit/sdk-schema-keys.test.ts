import type { Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { literalSchemaKeys, withLiteralKeys } from '../../scripts/lib/sdk-schema-keys.js';
import { BUILD_TIMEOUT_MS, importBundle } from '../support/import-bundle.js';

/** A client's schema module bundled on its own, as an ES module in a file, and imported. */
const importSchemas = (client: string, plugins: Plugin[]) =>
  importBundle<Record<string, unknown>>(`export * from '@aws-sdk/${client}/dist-es/schemas/schemas_0.js';`, plugins, client);

const isClass = (value: unknown) => typeof value === 'function' && Function.prototype.toString.call(value).startsWith('class');

/** Where two schema graphs first differ, following their thunks (`() => Shape$`) into the shapes they name; undefined when nowhere. */
function firstDifference(one: unknown, other: unknown, path: string, seen = new Map<unknown, unknown>()): string | undefined {
  if (typeof one === 'function' && typeof other === 'function' && !isClass(one) && !isClass(other)) {
    return firstDifference((one as () => unknown)(), (other as () => unknown)(), `${path}()`, seen);
  }
  if (typeof one === 'function' && typeof other === 'function') return one.name === other.name ? undefined : `${path}: class ${one.name} against ${other.name}`;
  if (typeof one !== 'object' || one === null || typeof other !== 'object' || other === null) {
    return Object.is(one, other) ? undefined : `${path}: ${String(one)} against ${String(other)}`;
  }
  if (seen.get(one) === other) return undefined;
  seen.set(one, other);
  // Each bundle has its own copy of the SDK's classes (its error registries): alike when their names are.
  const kind = (value: object) => (Object.getPrototypeOf(value) as { constructor?: { name: string } } | null)?.constructor?.name;
  if (kind(one) !== kind(other)) return `${path}: a ${kind(one)} against a ${kind(other)}`;
  const keys = Reflect.ownKeys(one);
  const otherKeys = Reflect.ownKeys(other);
  if (keys.length !== otherKeys.length || keys.some((key, index) => key !== otherKeys[index])) {
    return `${path}: keys ${keys.map(String).join(',')} against ${otherKeys.map(String).join(',')}`;
  }
  for (const key of keys) {
    const found = firstDifference((one as Record<PropertyKey, unknown>)[key], (other as Record<PropertyKey, unknown>)[key], `${path}.${String(key)}`, seen);
    if (found) return found;
  }
  return undefined;
}

describe("the SDK's schemas with literal keys", () => {
  it('write a computed key that names a string constant of the module as that string, and leave every other one as it was', () => {
    // Prepare
    const source = [
      'const _hH = "httpHeader";',
      'const _p = "__proto__";',
      'const _hex = "\\x41";',
      'const count = 3;',
      'let _later = "later";',
      'export var A$ = [0, { [_hH]: _x, [count]: 1 }, [1, {[_hH]: 2}]];',
      'export var B$ = { [_p]: 1, [_later]: 2, [_hex]: 3 };',
      'export var C$ = flag ? [_hH] : [];',
    ].join('\n');
    // Act
    const rewritten = withLiteralKeys(source);
    // Assess
    expect(rewritten.split('\n').slice(5)).toEqual([
      'export var A$ = [0, { "httpHeader": _x, [count]: 1 }, [1, {"httpHeader": 2}]];',
      'export var B$ = { [_p]: 1, [_later]: 2, [_hex]: 3 };',
      'export var C$ = flag ? [_hH] : [];',
    ]);
  });

  it.each(['client-s3', 'client-sns'])("are the same schemas as the installed %s's, shape by shape", async (client) => {
    // Act
    const [asPublished, withLiterals] = await Promise.all([importSchemas(client, []), importSchemas(client, [literalSchemaKeys])]);
    // Assess
    expect(Object.keys(withLiterals).length).toBeGreaterThan(20);
    expect(firstDifference(asPublished, withLiterals, client)).toBeUndefined();
  }, BUILD_TIMEOUT_MS);
});
