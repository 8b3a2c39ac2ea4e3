import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '../../scripts/lib/artefact.js';
import { handlerDir } from '../../scripts/lib/paths.js';
import { staticSdkImports, withStaticImports } from '../../scripts/lib/sdk-static-imports.js';
import { BUILD_TIMEOUT_MS, importBundle } from '../support/import-bundle.js';

type Constructor = new (...args: never[]) => object;
type EventStreamModules = {
  HttpProtocol: Constructor & { prototype: { loadEventStreamCapability(): Promise<{ marshaller: unknown }> } };
  EventStreamSerde: Constructor;
  EventStreamMarshaller: Constructor;
};

/** @smithy/core's HttpProtocol and the event-stream classes, bundled together with the plugin as an ES module in a file, and imported. */
const importBundledProtocol = () =>
  importBundle<EventStreamModules>(
    "export { HttpProtocol } from '@smithy/core/protocols'; export { EventStreamSerde, EventStreamMarshaller } from '@smithy/core/event-streams';",
    [staticSdkImports],
    'protocols',
  );

describe('withStaticImports', () => {
  it("writes each import() of a named module as one static namespace import, and leaves every other import() alone", () => {
    // Prepare
    const source = [
      'export class P {',
      '  async a() { const { S } = await import("@smithy/core/event-streams"); return S; }',
      '  async b() { return (await import("@smithy/core/event-streams")).T; }',
      '  async c() { return import("node:http"); }',
      '}',
    ].join('\n');
    // Act
    const rewritten = withStaticImports(source, ['@smithy/core/event-streams']);
    // Assess
    expect(rewritten).toBe(
      [
        'import * as __staticImport0 from "@smithy/core/event-streams";',
        'export class P {',
        '  async a() { const { S } = await Promise.resolve(__staticImport0); return S; }',
        '  async b() { return (await Promise.resolve(__staticImport0)).T; }',
        '  async c() { return import("node:http"); }',
        '}',
      ].join('\n'),
    );
  });

  it('names the namespace with a name the module does not already use, and leaves a module without such an import() as it was', () => {
    // Prepare
    const source = 'const __staticImport0 = 1; export const load = () => import("@smithy/core/event-streams");';
    // Act
    const rewritten = withStaticImports(source, ['@smithy/core/event-streams']);
    const untouched = withStaticImports('export const load = () => import("node:zlib");', ['@smithy/core/event-streams']);
    // Assess
    expect(rewritten).toBe(
      'import * as ___staticImport0 from "@smithy/core/event-streams";\nconst __staticImport0 = 1; export const load = () => Promise.resolve(___staticImport0);',
    );
    expect(untouched).toBe('export const load = () => import("node:zlib");');
  });
});

describe('the SDK bundled with staticSdkImports', () => {
  it("loads event streams as before: HttpProtocol's on-demand import still gives it an EventStreamSerde", async () => {
    // Prepare
    const { HttpProtocol, EventStreamSerde, EventStreamMarshaller } = await importBundledProtocol();
    const encoding = { utf8Encoder: (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8'), utf8Decoder: (text: string) => Buffer.from(text, 'utf8') };
    const protocol = Object.assign(Object.create(HttpProtocol.prototype) as InstanceType<EventStreamModules['HttpProtocol']>, {
      serdeContext: encoding,
      getDefaultContentType: () => 'application/xml',
    });
    // Act
    const serde = await protocol.loadEventStreamCapability();
    // Assess
    expect(serde).toBeInstanceOf(EventStreamSerde);
    expect(serde.marshaller).toBeInstanceOf(EventStreamMarshaller);
  }, BUILD_TIMEOUT_MS);

  it("leaves no module of the handler's bundle to an import(), which would put it and all it imports in lazy initialisers", async () => {
    // Act
    const { metafile } = await build({ ...lambdaBuildOptions(join(handlerDir, 'index.ts')), metafile: true });
    // Assess: of the modules that reach the bundle (esbuild reads some that it then leaves out)
    const bundled = new Set(Object.values(metafile.outputs).flatMap((output) => Object.entries(output.inputs).filter(([, { bytesInOutput }]) => bytesInOutput > 0).map(([path]) => path)));
    const onDemand = Object.entries(metafile.inputs)
      .filter(([importer]) => bundled.has(importer))
      .flatMap(([importer, { imports }]) => imports.filter((record) => record.kind === 'dynamic-import' && !record.external).map((record) => `${importer} -> ${record.path}`));
    expect(onDemand).toEqual([]);
  }, BUILD_TIMEOUT_MS);
});
