// An install image for the flow benchmarks (provision-install, cluster-update): its configuration, a 64 KiB system
// (what each host copies to its disk), a package repository of `repositoryBytes` (verified by every host against the
// manifest, not copied, so the hosts' disk overlays stay small) and the manifest listing all three, as ISO 9660.
import { CONFIG_FILE, encodeInstallConfig } from '../../protocols/install-image/install-config.js';
import { sha256Hex, SYSTEM_FILE } from '../../protocols/install-image/install-image.js';
import { MANIFEST_FILE, encodeManifest } from '../../protocols/install-image/manifest.js';
import { buildIsoImage } from '../../protocols/iso9660/iso-image.js';

export function benchInstallImage(o: { name: string; version: string; role: string; repositoryBytes: number; volumeId: string }): Buffer {
  const repository = Buffer.alloc(o.repositoryBytes);
  for (let i = 0; i < repository.length; i += 4096) repository.writeUInt32LE(i, i); // not all zeros: every block different
  const files = [
    { name: CONFIG_FILE, data: encodeInstallConfig({ name: o.name, version: o.version, role: o.role, system: SYSTEM_FILE, packages: [] }) },
    { name: SYSTEM_FILE, data: Buffer.alloc(64 * 1024, 0x5a) },
    { name: 'REPO.DAT', data: repository },
  ];
  const manifest = encodeManifest(files.map((f) => ({ name: f.name, sha256: sha256Hex(f.data) })));
  return buildIsoImage({ volumeId: o.volumeId, files: [...files, { name: MANIFEST_FILE, data: manifest }], createdAt: new Date(Date.UTC(2026, 11, 6)) });
}
