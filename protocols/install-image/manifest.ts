// MANIFEST.SHA256 of a bmcfleet install image: one line per file, in the format `sha256sum` writes and `sha256sum -c`
// checks (GNU coreutils: the hex digest, two spaces, the file name; "*" before the name marks binary mode).
import { DecodeError } from '../errors.js';

export const INSTALL_IMAGE = 'install-image';
export const MANIFEST_FILE = 'MANIFEST.SHA256';

export interface ManifestEntry {
  name: string;
  /** 64 lower-case hex digits. */
  sha256: string;
}

export function encodeManifest(entries: readonly ManifestEntry[]): Buffer {
  return Buffer.from(entries.map((e) => `${e.sha256}  ${e.name}\n`).join(''), 'latin1');
}

/** Every line a digest and a name; blank lines are skipped; a name listed twice is refused. */
export function decodeManifest(data: Uint8Array): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  let offset = 0;
  for (const line of Buffer.from(data).toString('latin1').split('\n')) {
    const m = /^([0-9a-fA-F]{64}) [ *](\S+)$/.exec(line.replace(/\r$/, ''));
    if (line.trim() !== '') {
      if (!m) throw new DecodeError(INSTALL_IMAGE, MANIFEST_FILE, offset, `not "SHA256  NAME": ${JSON.stringify(line.slice(0, 80))}`, 'ERR_MANIFEST_LINE');
      if (out.some((e) => e.name === m[2])) throw new DecodeError(INSTALL_IMAGE, MANIFEST_FILE, offset, `${m[2]} is listed twice`, 'ERR_MANIFEST_DUPLICATE');
      out.push({ name: m[2], sha256: m[1].toLowerCase() });
    }
    offset += line.length + 1;
  }
  if (out.length === 0) throw new DecodeError(INSTALL_IMAGE, MANIFEST_FILE, 0, 'lists no file', 'ERR_MANIFEST_EMPTY');
  return out;
}
