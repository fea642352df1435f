// A package of a bmcfleet install image (NAME.PKG): its name and version, then the console lines its install steps
// print, one `step` each (# starts a comment).
//
//   package openssh-server 1:9.2p1-2
//   step Unpacking openssh-server (1:9.2p1-2) ...
//   step Setting up openssh-server (1:9.2p1-2) ...
import { DecodeError } from '../errors.js';
import { INSTALL_IMAGE } from './manifest.js';

export interface PackageScript {
  name: string;
  version: string;
  steps: string[];
}

export function encodePackageScript(p: PackageScript): Buffer {
  return Buffer.from(`package ${p.name} ${p.version}\n${p.steps.map((s) => `step ${s}\n`).join('')}`, 'latin1');
}

/** `file` names the package file in errors. */
export function decodePackageScript(data: Uint8Array, file: string): PackageScript {
  let head: { name: string; version: string } | null = null;
  const steps: string[] = [];
  let offset = 0;
  for (const raw of Buffer.from(data).toString('latin1').split('\n')) {
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed !== '' && !trimmed.startsWith('#')) {
      const pkg = /^package ([a-z0-9][a-z0-9+.-]*) (\S+)$/.exec(trimmed);
      const step = /^step ([\x20-\x7e]{1,200})$/.exec(trimmed);
      if (head === null) {
        if (!pkg) throw new DecodeError(INSTALL_IMAGE, file, offset, 'does not start with "package NAME VERSION"', 'ERR_PACKAGE_HEAD');
        head = { name: pkg[1], version: pkg[2] };
      } else if (step) {
        steps.push(step[1]);
      } else {
        throw new DecodeError(INSTALL_IMAGE, file, offset, `not "step TEXT": ${JSON.stringify(trimmed.slice(0, 80))}`, 'ERR_PACKAGE_LINE');
      }
    }
    offset += raw.length + 1;
  }
  if (head === null) throw new DecodeError(INSTALL_IMAGE, file, 0, 'is empty', 'ERR_PACKAGE_HEAD');
  return { ...head, steps };
}
