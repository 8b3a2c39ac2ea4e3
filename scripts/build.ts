import { relative } from 'node:path';
import { ARTEFACT_BUDGET_BYTES, buildArtefact, writeArtefact } from './lib/artefact.js';
import { ExitCode } from './lib/cli.js';
import { artefactPath, projectRoot } from './lib/paths.js';

const started = performance.now();
const artefact = await buildArtefact();
await writeArtefact(artefact);
const kib = (artefact.bytes.length / 1024).toFixed(1);
console.log(`built ${relative(projectRoot, artefactPath)}: ${kib} KiB, sha256 ${artefact.sha256} (${Math.round(performance.now() - started)} ms)`);
if (artefact.bytes.length > ARTEFACT_BUDGET_BYTES) {
  console.error(`error: the zip is over its budget of ${ARTEFACT_BUDGET_BYTES / 1024} KiB: find what the handler newly pulls in (esbuild --metafile) and trim it`);
  process.exitCode = ExitCode.failed;
}
