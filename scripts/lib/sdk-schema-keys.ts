import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/**
 * A client's generated schema module (`@aws-sdk/client-s3/dist-es/schemas/schemas_0.js`): the shapes of every
 * operation the service has, each one a top-level `export var …$ = [ … ]` that esbuild drops when no command reaches it.
 */
const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/]client-[\w-]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/** `const _hH = "httpHeader";` on a line of its own: the names the schemas write their trait keys with. */
const STRING_CONSTANT = /^const ([A-Za-z_$][\w$]*) = ("(?:[^"\\\n]|\\.)*");$/gm;

/** A computed key naming one identifier where an object literal's key stands: `{ [_hH]: …` or `, [_hH]: …`. */
const COMPUTED_KEY = /(?<=[{,]\s*)\[([A-Za-z_$][\w$]*)\]:/g;

/** A string literal's value, or undefined for one JSON does not read (a JavaScript-only escape such as `\x41`). */
function valueOf(literal: string): string | undefined {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return undefined;
  }
}

/**
 * The module with every computed key that names one of its string constants written as that string. The same object
 * either way, except for `__proto__`, which as a literal key sets the prototype instead: those stay computed, as do
 * keys whose constant's value cannot be read here.
 */
export function withLiteralKeys(source: string): string {
  const constants = new Map(Array.from(source.matchAll(STRING_CONSTANT), ([, name, literal]) => [name!, literal!]));
  return source.replace(COMPUTED_KEY, (key, name: string) => {
    const literal = constants.get(name);
    const value = literal === undefined ? undefined : valueOf(literal);
    return value === undefined || value === '__proto__' ? key : `${literal}:`;
  });
}

/**
 * The SDK's schemas write their traits as `{ [_hH]: _xaa }`, and esbuild keeps any statement with a computed key, as
 * evaluating one could run code (a key's toString): every schema of the client stayed in the bundle, S3's analytics,
 * inventory and select among them, about 47 KB of the minified bundle that the process compiled and ran at each cold
 * start. With the keys written out, esbuild keeps only the schemas the handler's commands reach.
 */
export const literalSchemaKeys: Plugin = {
  name: 'literal-schema-keys',
  setup(build) {
    build.onLoad({ filter: SCHEMA_MODULE }, async ({ path }) => ({ contents: withLiteralKeys(await readFile(path, 'utf8')), loader: 'js' }));
  },
};
