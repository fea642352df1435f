// What a bmcfleet installer leaves on the host's disk: a 4 KiB header at byte 0, then the system file's bytes.
// The header is text lines, zero-padded:
//
//   BMCFLEET-SYSTEM 1
//   hostname=node-127-001-000-001
//   role=compute
//   image=bmcfleet-demo 1.0
//   packages=openssh-server,slurmd
//   system-bytes=262144
//   system-sha256=<64 hex digits>
import { DecodeError } from '../errors.js';
import { INSTALL_IMAGE } from './manifest.js';

export const SYSTEM_HEADER_BYTES = 4096;
const MAGIC = 'BMCFLEET-SYSTEM 1';

export interface InstalledSystem {
  hostname: string;
  role: string;
  /** The image's name and version. */
  image: string;
  packages: string[];
  systemBytes: number;
  systemSha256: string;
}

export function encodeSystemHeader(s: InstalledSystem): Buffer {
  const text = `${MAGIC}\nhostname=${s.hostname}\nrole=${s.role}\nimage=${s.image}\npackages=${s.packages.join(',')}\n`
    + `system-bytes=${s.systemBytes}\nsystem-sha256=${s.systemSha256}\n`;
  if (text.length > SYSTEM_HEADER_BYTES) throw new RangeError(`the system header needs ${text.length} bytes, more than ${SYSTEM_HEADER_BYTES}`);
  const b = Buffer.alloc(SYSTEM_HEADER_BYTES);
  b.write(text, 'latin1');
  return b;
}

/** The header at the start of a disk, or ERR_NO_SYSTEM when the disk holds none. */
export function decodeSystemHeader(data: Uint8Array): InstalledSystem {
  const end = data.indexOf(0);
  const lines = Buffer.from(data.subarray(0, end < 0 ? Math.min(data.length, SYSTEM_HEADER_BYTES) : end)).toString('latin1').split('\n');
  if (lines[0] !== MAGIC) throw new DecodeError(INSTALL_IMAGE, 'system header', 0, `does not start with "${MAGIC}"`, 'ERR_NO_SYSTEM');
  const v = new Map(lines.slice(1).filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const get = (k: string) => {
    const value = v.get(k);
    if (value === undefined) throw new DecodeError(INSTALL_IMAGE, `system header ${k}`, 0, 'missing', 'ERR_SYSTEM_HEADER');
    return value;
  };
  const systemBytes = Number(get('system-bytes'));
  if (!Number.isSafeInteger(systemBytes) || systemBytes < 0) throw new DecodeError(INSTALL_IMAGE, 'system header system-bytes', 0, 'not a byte count', 'ERR_SYSTEM_HEADER');
  return {
    hostname: get('hostname'), role: get('role'), image: get('image'),
    packages: get('packages').split(',').filter((p) => p !== ''), systemBytes, systemSha256: get('system-sha256'),
  };
}
