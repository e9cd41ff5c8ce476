/** `plural(1, 'batch', 'batches')` → "1 batch"; `plural(2, 'session')` → "2 sessions". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
