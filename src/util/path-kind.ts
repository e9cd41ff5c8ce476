import { statSync } from 'node:fs';

/** Whether `path` is a folder now (anything that cannot be stat'ed is not). */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Whether `path` is a regular file now (anything that cannot be stat'ed is not). */
export function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
