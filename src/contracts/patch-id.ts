/** The patch contract's session ids, apart from wire.ts so the browser bundle takes them without zod. */
export const PATCH_ID = /^session_[0-9a-f]{32}$/;

/** A UUID's patchable form: `session_` + its 32 hex digits. */
export function patchIdOf(uuid: string): string | undefined {
  const hex = uuid.toLowerCase().replace(/-/g, '');
  return /^[0-9a-f]{32}$/.test(hex) ? `session_${hex}` : undefined;
}

/** The UUID behind a `session_<32 hex>` id. */
export function uuidOfPatchId(id: string): string | undefined {
  if (!PATCH_ID.test(id)) return undefined;
  const h = id.slice('session_'.length);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
