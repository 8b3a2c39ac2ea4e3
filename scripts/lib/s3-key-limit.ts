/** S3's longest object key, in bytes of UTF-8: a longer one is refused (400 KeyTooLongError), in writes and reads alike. */
export const MAX_KEY_BYTES = 1024;

/** The length of a key as S3 counts it: bytes of UTF-8, not characters. */
export const keyBytes = (key: string) => Buffer.byteLength(key);
