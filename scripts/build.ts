import { relative } from 'node:path';
import { buildArtefact, kib, oneBuildAtATime, writeArtefact } from './lib/artefact.js';
import { run, scriptCommand } from './lib/cli.js';
import { artefactPath, projectRoot } from './lib/paths.js';

scriptCommand('build', 'Bundle the handler into dist/handler.zip, with its sha256 and the digest of its inputs beside it.').parse();

run(async () => {
  const started = performance.now();
  const artefact = await oneBuildAtATime(async () => {
    const built = await buildArtefact();
    await writeArtefact(built);
    return built;
  });
  console.log(`built ${relative(projectRoot, artefactPath)}: ${kib(artefact.bytes.length)}, sha256 ${artefact.sha256} (${Math.round(performance.now() - started)} ms)`);
});
