/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** 20971520 → "20.0 MiB": session sizes and their limits in one unit (small ones as formatBytes does). */
export function formatMiB(bytes: number): string {
  return bytes < 1024 ** 2 / 10 ? formatBytes(bytes) : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
