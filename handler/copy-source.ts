/**
 * Builds the `CopySource` of a copy request for one version of a key. The SDK sends it as a header
 * without encoding it, so every path segment of the key is URL-encoded here (spaces, `+`, `%`, unicode).
 */
export function copySourceFor(bucket: string, key: string, versionId: string): string {
  const encodedKey = key.split('/').map(encodeURIComponent).join('/');
  return `${bucket}/${encodedKey}?versionId=${encodeURIComponent(versionId)}`;
}

/** Where a copy goes. */
export type Destination = { readonly bucket: string; readonly key: string };
