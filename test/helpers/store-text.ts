import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { StorePlace } from './stores.js';

/** Every file under `dir`, as text: what a backend stored, to look for anything that should not be there. */
export function storeText(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return out.join('\n');
}

/** Every key under `prefix` of a store (a folder or a bucket), as text: `storeText` through the place. */
export async function placeText(place: StorePlace, prefix = ''): Promise<string> {
  const out: string[] = [];
  for (const key of await place.keys(prefix)) out.push((await place.read(key)) ?? '');
  return out.join('\n');
}
