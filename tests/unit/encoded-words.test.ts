import { describe, expect, it } from 'vitest';
import { decodeEncodedWords } from '../../handler/encoded-words.js';

const b = (text: string) => `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;

describe('decodeEncodedWords (a metadata value as S3 stores it)', () => {
  it('decodes the form S3 returns a non-ASCII value in, and leaves a US-ASCII value as it is', () => {
    // Act
    const values = [b('café ünïcödé'), 'plain text', '', 'a=?b', '=?UTF-8?B??='];
    // Assess
    expect(values.map(decodeEncodedWords)).toEqual(['café ünïcödé', 'plain text', '', 'a=?b', '']);
  });

  it('reads Q-encoding and any case of the charset and encoding, and a language after the charset', () => {
    // Act
    const values = ['=?utf-8?q?caf=C3=A9_au_lait?=', '=?UTF-8?b?w6k=?=', '=?UTF-8*fr?Q?=C3=A9t=C3=A9?='];
    // Assess
    expect(values.map(decodeEncodedWords)).toEqual(['café au lait', 'é', 'été']);
  });

  it('drops the blanks between adjacent encoded-words only, as RFC 2047 does', () => {
    // Act
    const value = decodeEncodedWords(`from ${b('é')} \t${b('è')} to ${b('ê')}!`);
    // Assess
    expect(value).toBe('from éè to ê!');
  });

  it('leaves as written what it cannot read: another charset, bad base64 or Q, bytes that are not UTF-8', () => {
    // Prepare
    const unread = ['=?ISO-8859-1?Q?caf=E9?=', '=?UTF-8?B?w6k?=', '=?UTF-8?Q?=ZZ?=', '=?UTF-8?B?/w==?='];
    // Act
    const values = unread.map(decodeEncodedWords);
    // Assess: counted as written, never fewer bytes than the text
    expect(values).toEqual(unread);
    expect(decodeEncodedWords(`${unread[0]} ${b('é')}`)).toBe(`${unread[0]} é`);
  });
});
