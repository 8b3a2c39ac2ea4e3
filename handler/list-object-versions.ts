import { ListObjectVersionsCommand, type ListObjectVersionsCommandInput, type ListObjectVersionsCommandOutput, type S3Client } from '@aws-sdk/client-s3';

/**
 * A name S3 listed URL-encoded: a space as `+`, everything else percent-encoded. S3 encodes only when the listing
 * says so (EncodingType); a server that ignored the request lists names as stored, where `+` is a plus.
 */
export function decodeListedName(name: string | undefined, encodingType: string | undefined): string | undefined {
  return name !== undefined && encodingType === 'url' ? decodeURIComponent(name.replaceAll('+', ' ')) : name;
}

/**
 * One page of ListObjectVersions with its names as stored. An XML listing cannot carry every key (a carriage return
 * reads back as a line feed, most other control characters break the document), so the names are asked for
 * URL-encoded and decoded here, the markers too: a page's NextKeyMarker goes back into the next request as is.
 */
export async function listObjectVersions(s3: S3Client, input: Omit<ListObjectVersionsCommandInput, 'EncodingType'>): Promise<ListObjectVersionsCommandOutput> {
  const page = await s3.send(new ListObjectVersionsCommand({ ...input, EncodingType: 'url' }));
  const decode = (name: string | undefined) => decodeListedName(name, page.EncodingType);
  return {
    ...page,
    Prefix: decode(page.Prefix),
    KeyMarker: decode(page.KeyMarker),
    NextKeyMarker: decode(page.NextKeyMarker),
    Delimiter: decode(page.Delimiter),
    Versions: page.Versions?.map((version) => ({ ...version, Key: decode(version.Key) })),
    DeleteMarkers: page.DeleteMarkers?.map((marker) => ({ ...marker, Key: decode(marker.Key) })),
    CommonPrefixes: page.CommonPrefixes?.map((folder) => ({ ...folder, Prefix: decode(folder.Prefix) })),
  };
}
