// Shared error type for every codec in protocols/: malformed input never throws anything else.

export class DecodeError extends Error {
  readonly protocol: string;
  readonly field: string;
  readonly offset: number;
  readonly code: string;

  constructor(protocol: string, field: string, offset: number, reason: string, code = 'ERR_MALFORMED') {
    super(`${protocol}: ${field} at offset ${offset}: ${reason}`);
    this.name = 'DecodeError';
    this.protocol = protocol;
    this.field = field;
    this.offset = offset;
    this.code = code;
  }
}

/** Throws a DecodeError unless `need` bytes are available at `offset`. */
export function requireBytes(buf: Uint8Array, offset: number, need: number, protocol: string, field: string): void {
  if (offset + need > buf.length) {
    throw new DecodeError(protocol, field, offset, `needs ${need} byte(s), ${Math.max(0, buf.length - offset)} left`, 'ERR_TRUNCATED');
  }
}
