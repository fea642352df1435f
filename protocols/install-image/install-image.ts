// A bmcfleet install image: an ISO 9660 volume (protocols/iso9660/) whose root holds INSTALL.CFG (what it installs),
// the system file copied to the host's disk, one NAME.PKG per package, and MANIFEST.SHA256 with the SHA-256 of every
// other file. An installer trusts no file the manifest does not list.
import { createHash } from 'node:crypto';
import { DecodeError } from '../errors.js';
import { buildIsoImage, type IsoEntry } from '../iso9660/iso-image.js';
import { CONFIG_FILE, encodeInstallConfig, type InstallConfig } from './install-config.js';
import { INSTALL_IMAGE, MANIFEST_FILE, encodeManifest, type ManifestEntry } from './manifest.js';
import { encodePackageScript, type PackageScript } from './package-script.js';

export const SYSTEM_FILE = 'SYSTEM.IMG';

export interface InstallImageSpec {
  name: string;
  version: string;
  role: string;
  /** The bytes the installer copies to the disk. */
  system: Uint8Array;
  packages: readonly PackageScript[];
  createdAt: Date;
}

/** NAME.PKG for a package: its name in d-characters, cut to fit a level 2 name. */
export function packageFileName(pkg: string): string {
  return `${pkg.toUpperCase().replace(/[^A-Z0-9]/g, '_').slice(0, 26)}.PKG`;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function buildInstallImage(spec: InstallImageSpec): Buffer {
  const packages = spec.packages.map((p) => ({ name: packageFileName(p.name), data: encodePackageScript(p) }));
  const config: InstallConfig = { name: spec.name, version: spec.version, role: spec.role, system: SYSTEM_FILE, packages: packages.map((p) => p.name) };
  const files = [{ name: CONFIG_FILE, data: encodeInstallConfig(config) }, { name: SYSTEM_FILE, data: spec.system }, ...packages];
  const manifest = encodeManifest(files.map((f) => ({ name: f.name, sha256: sha256Hex(f.data) })));
  const volumeId = spec.name.toUpperCase().replace(/[^A-Z0-9]/g, '_').slice(0, 32);
  return buildIsoImage({ volumeId, files: [...files, { name: MANIFEST_FILE, data: manifest }], createdAt: spec.createdAt });
}

/**
 * The files an installer must check before it uses any: every manifest entry, each found in the root. The
 * configuration and every file it names must be listed (else ERR_UNLISTED), and every listed file present (else
 * ERR_MISSING_FILE).
 */
export function filesToVerify(manifest: readonly ManifestEntry[], root: readonly IsoEntry[], config: InstallConfig | null): (IsoEntry & { sha256: string })[] {
  const needed = [CONFIG_FILE, ...(config ? [config.system, ...config.packages] : [])];
  for (const name of needed) {
    if (!manifest.some((e) => e.name === name)) throw new DecodeError(INSTALL_IMAGE, MANIFEST_FILE, 0, `does not list ${name}`, 'ERR_UNLISTED');
  }
  return manifest.map((e) => {
    const entry = root.find((f) => f.name === e.name);
    if (!entry) throw new DecodeError(INSTALL_IMAGE, e.name, 0, 'is listed in the manifest but not on the image', 'ERR_MISSING_FILE');
    return { ...entry, sha256: e.sha256 };
  });
}
