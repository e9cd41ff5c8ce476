import { ApiError } from '../errors.js';
import type { HttpClient } from './http-client.js';

/** `GET /api/v1/user/whoami`: who the token belongs to, or undefined when the backend has no such route. */
export async function fetchWhoami(client: HttpClient): Promise<Record<string, unknown> | undefined> {
  try {
    const response = await client.request<Record<string, unknown>>({ method: 'GET', path: '/api/v1/user/whoami', idempotent: true });
    return typeof response.data === 'object' && response.data !== null ? response.data : {};
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return undefined;
    throw error;
  }
}

/** A short name for a whoami answer: email, else name, else id. */
export function describeUser(user: Record<string, unknown>): string {
  const inner = typeof user.user === 'object' && user.user !== null ? (user.user as Record<string, unknown>) : user;
  for (const field of ['email', 'name', 'username', 'id']) {
    const value = inner[field];
    if (typeof value === 'string' || typeof value === 'number') return String(value);
  }
  return 'an unnamed account';
}
