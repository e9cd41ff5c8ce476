/**
 * The session-title rule, as the agent's own reader applies it: the LAST `session_info` entry in
 * the file decides, and one whose name is empty (or missing) clears the title. Names are trimmed.
 * Prime-agent's older files spell the field `title`; `name` wins when both are present.
 */
export function titleAfter(current: string | undefined, entry: Record<string, unknown>): string | undefined {
  if (entry.type !== 'session_info') return current;
  const name = typeof entry.name === 'string' ? entry.name : typeof entry.title === 'string' ? entry.title : '';
  return name.trim() || undefined;
}
