/** Failures before any connection was made: the name did not resolve, nothing listened, no route. */
const NO_CONNECTION = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EAI_NODATA',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  'EPROTO',
]);

/**
 * Whether a system error code means the backend could not be reached at all, as opposed to a
 * connection that was made and then lost (ECONNRESET, EPIPE, "other side closed"): the TCP
 * connect failed, or the TLS handshake did (OpenSSL and certificate codes), so no request reached
 * a server.
 */
export function neverConnected(code: string): boolean {
  return (
    NO_CONNECTION.has(code) ||
    /^ERR_(SSL|TLS)_|CERT|CRL_|^UNABLE_TO_|^(INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED|HOSTNAME_MISMATCH)$/.test(code)
  );
}
