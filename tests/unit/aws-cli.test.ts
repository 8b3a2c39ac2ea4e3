import { describe, expect, it } from 'vitest';
import { savedFileName, saveVersionCommand } from '../../scripts/lib/aws-cli.js';

describe('the command that saves an inbox version no backup holds', () => {
  it('hands a key that begins with a dash to --key joined by =, so that the AWS CLI does not read it as an option', () => {
    // Act
    const command = saveVersionCommand('inbox', '-dash.txt', 'v1');
    // Assess
    expect(command).toBe("aws s3api get-object --bucket inbox --key='-dash.txt' --version-id v1 'v1--dash.txt'");
  });

  it('names the file after the version and the end of the key, within the 255 bytes a file name may have', () => {
    // Prepare: a last part of 300 bytes, and one of two-byte characters
    const long = `long/${'y'.repeat(296)}.txt`;
    const accented = `docs/${'é'.repeat(200)}.pdf`;
    // Act
    const [longName, accentedName, shortName] = [savedFileName(long, 'v1'), savedFileName(accented, 'v1'), savedFileName('docs/a.txt', 'v1')];
    // Assess
    expect(Buffer.byteLength(longName)).toBe(255);
    expect(longName).toMatch(/^v1-y+\.txt$/);
    expect(Buffer.byteLength(accentedName)).toBeLessThanOrEqual(255);
    expect(accentedName).toMatch(/^v1-é+\.pdf$/);
    expect(shortName).toBe('v1-a.txt');
  });
});
