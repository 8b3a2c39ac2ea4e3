import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const distDir = join(projectRoot, 'dist');
export const artefactPath = join(distDir, 'handler.zip');
export const artefactShaPath = `${artefactPath}.sha256`;
/** The digest of what the zip was built from (the handler's sources and the build's configuration, by content). */
export const artefactInputsPath = `${artefactPath}.inputs`;
export const handlerDir = join(projectRoot, 'handler');
export const templatePath = join(projectRoot, 'cloudformation', 'template.yaml');
export const parametersDir = join(projectRoot, 'cloudformation', 'parameters');
export const reportsDir = join(projectRoot, 'reports');
export const venvBin = join(projectRoot, '.venv', 'bin');
/** The Node.js execution environments shared by the embedded emulator and the LocalStack executor. */
export const lambdaRuntimeDir = join(projectRoot, 'scripts', 'lambda-runtime');
export const toolsVenvBin = join(projectRoot, '.venv-tools', 'bin');
