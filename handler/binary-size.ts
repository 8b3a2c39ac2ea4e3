const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/** A byte count in the largest binary unit it reaches, to one decimal ("1.5 MiB"); undefined below 1 KiB. */
export function binarySize(bytes: number): string | undefined {
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit < 0 ? undefined : `${value.toFixed(1)} ${UNITS[unit]}`;
}
