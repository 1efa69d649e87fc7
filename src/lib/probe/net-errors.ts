/** Turns a network or TLS error into words an operator understands. */
export function describeNetworkError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  switch (e.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ECONNRESET': return 'connection reset';
    case 'ENOTFOUND': return 'host not found';
    case 'EAI_AGAIN': return 'DNS lookup failed (temporary)';
    case 'ETIMEDOUT': return 'connection timed out';
    case 'EHOSTUNREACH': return 'host unreachable';
    case 'ABORT_ERR': return 'timed out';
    case 'CERT_HAS_EXPIRED': return 'TLS certificate has expired';
    case 'CERT_NOT_YET_VALID': return 'TLS certificate is not yet valid';
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY': return 'TLS certificate is not trusted (unknown issuer)';
    case 'EPROTO': return /wrong version number|packet length/i.test(e.message) ? 'the server does not speak TLS on this port' : `TLS error: ${e.message}`;
    case 'ERR_SSL_WRONG_VERSION_NUMBER': return 'the server does not speak TLS on this port';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN': return 'TLS certificate is self-signed';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': return 'TLS certificate chain is incomplete';
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return 'TLS certificate does not match the host name';
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_INVALID_VERSION':
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_INVALID_STATUS': return 'the server answered something that is not HTTP';
    default: return e.code ? `${e.code}: ${e.message}` : String(e.message ?? err);
  }
}
