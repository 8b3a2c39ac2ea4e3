/**
 * The segments of a folder typed for S3 that no one means as names: none between two slashes (S3 keeps `a//b` in
 * every key as it is) and `.` or `..`, which S3 keeps as names, not as steps of a path (`aws s3 cp` skips such keys
 * when it downloads them: "File references a parent directory"). Undefined for a folder without any.
 */
export function oddFolderSegments(folder: string): { readonly described: string; readonly meant: string } | undefined {
  if (folder === '') return undefined;
  const segments = folder.replace(/\/$/, '').split('/');
  const empty = segments.some((segment) => segment === '');
  const dots = [...new Set(segments.filter((segment) => segment === '.' || segment === '..'))];
  if (!empty && dots.length === 0) return undefined;
  const described = [
    ...(empty ? ['a folder with no name between two slashes, which S3 would make part of every key'] : []),
    ...(dots.length > 0 ? [`a folder named ${dots.map((dot) => `"${dot}"`).join(' and ')}, which S3 keeps as a name, not as a step up or here (\`aws s3 cp\` skips such keys when it downloads them)`] : []),
  ].join(', and ');
  const kept = segments.filter((segment) => segment !== '' && segment !== '.' && segment !== '..');
  return { described, meant: kept.length > 0 ? `${kept.join('/')}/` : '' };
}
