// INSTALL.CFG of a bmcfleet install image: what it installs, as `key=value` lines (# starts a comment).
//
//   name=bmcfleet-demo          the system's name          version=1.0     its version
//   role=compute                the role hosts take        system=SYSTEM.IMG   the file copied to the disk
//   packages=OPENSSH.PKG,SLURMD.PKG                          package files, installed in this order
import { DecodeError } from '../errors.js';
import { INSTALL_IMAGE } from './manifest.js';

export const CONFIG_FILE = 'INSTALL.CFG';

export interface InstallConfig {
  name: string;
  version: string;
  /** Lower-case letters, digits and dashes, as policy roles (README "bmcfleet provision"). */
  role: string;
  system: string;
  packages: string[];
}

const REQUIRED = ['name', 'version', 'role', 'system'] as const;
const ROLE = /^[a-z0-9][a-z0-9-]{0,31}$/;
const VALUE = /^[\x21-\x7e][\x20-\x7e]{0,63}$/;

export function encodeInstallConfig(c: InstallConfig): Buffer {
  return Buffer.from(`# bmcfleet install image\nname=${c.name}\nversion=${c.version}\nrole=${c.role}\nsystem=${c.system}\npackages=${c.packages.join(',')}\n`, 'latin1');
}

export function decodeInstallConfig(data: Uint8Array): InstallConfig {
  const values = new Map<string, string>();
  let offset = 0;
  for (const raw of Buffer.from(data).toString('latin1').split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    if (line !== '' && !line.startsWith('#')) {
      const m = /^([a-z]+)=(.*)$/.exec(line);
      if (!m) throw new DecodeError(INSTALL_IMAGE, CONFIG_FILE, offset, `not "key=value": ${JSON.stringify(line.slice(0, 80))}`, 'ERR_CONFIG_LINE');
      if (values.has(m[1])) throw new DecodeError(INSTALL_IMAGE, CONFIG_FILE, offset, `${m[1]} is set twice`, 'ERR_CONFIG_DUPLICATE');
      values.set(m[1], m[2].trim());
    }
    offset += raw.length + 1;
  }
  for (const key of REQUIRED) {
    const v = values.get(key);
    if (v === undefined || !VALUE.test(v)) throw new DecodeError(INSTALL_IMAGE, `${CONFIG_FILE} ${key}`, 0, v === undefined ? 'missing' : `not 1-64 printable characters: ${JSON.stringify(v)}`, 'ERR_CONFIG_VALUE');
  }
  const role = values.get('role')!;
  if (!ROLE.test(role)) throw new DecodeError(INSTALL_IMAGE, `${CONFIG_FILE} role`, 0, `"${role}" is not lower-case letters, digits and dashes`, 'ERR_CONFIG_VALUE');
  const packages = (values.get('packages') ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
  return { name: values.get('name')!, version: values.get('version')!, role, system: values.get('system')!, packages };
}
