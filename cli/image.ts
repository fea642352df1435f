// bmcfleet image build: an install image (ISO 9660 with a SHA-256 manifest, protocols/install-image/) from a folder,
// for the emulated hosts' installation agent (issue 14, step 4). No other software needed.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, parse, str } from './args.js';
import { DecodeError } from '../protocols/errors.js';
import { buildInstallImage, packageFileName, sha256Hex } from '../protocols/install-image/install-image.js';
import { decodePackageScript } from '../protocols/install-image/package-script.js';
import { plural } from '../runtime/plural.js';

const HELP = `usage: bmcfleet image build DIR --out FILE.iso [--json]

Writes an install image for the emulated hosts: an ISO 9660 volume (ECMA-119) holding INSTALL.CFG (what it
installs), SYSTEM.IMG (what the installer copies to the host's disk), one NAME.PKG per package, and
MANIFEST.SHA256 with the SHA-256 of every other file (sha256sum's format). DIR holds:

  image.cfg      name=NAME, version=VERSION, role=ROLE, system=FILE (key=value lines; # comments)
  FILE           the system: any bytes (system= names it; default system.img)
  *.pkg          packages, installed in file name order: "package NAME VERSION", then "step TEXT" lines,
                 each printed on the host's console as the install runs

Insert the image into a BMC's CD-ROM, set the next boot to CD and power-cycle the host: its agent checks the
image, installs it to its disk, reports progress (bmcfleet OEM command Get Install Progress) and reboots.

example:
  bmcfleet image build fleets/install-image --out /tmp/images/install.iso
`;

function readConfig(dir: string): Record<string, string> {
  const file = join(dir, 'image.cfg');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  const values: Record<string, string> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([a-z]+)\s*=\s*(.*)$/.exec(line);
    if (!m || !['name', 'version', 'role', 'system'].includes(m[1])) throw new UsageError(`${file}:${i + 1}: expected name=, version=, role= or system=, got "${line}"`);
    values[m[1]] = m[2];
  });
  for (const key of ['name', 'version', 'role']) if (!values[key]) throw new UsageError(`${file}: ${key}= is missing`);
  return values;
}

const BUILD_OPTIONS = { out: { type: 'string', short: 'o' }, json: { type: 'boolean' } } as const;

export const imageCommand = {
  options: { build: BUILD_OPTIONS },
  async run(argv: string[]): Promise<number> {
    const [what, ...rest] = argv;
    if (what === '--help' || what === '-h' || what === undefined) {
      process.stdout.write(HELP);
      return what === undefined ? 2 : 0;
    }
    if (what !== 'build') throw new UsageError(`unknown image command "${what}" (known: build)`);
    const { values, positionals } = parse(rest, BUILD_OPTIONS, true);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('give one folder: bmcfleet image build DIR --out FILE.iso');
    const out = str(values, 'out');
    if (!out) throw new UsageError('--out FILE.iso is required');
    const dir = positionals[0];
    const cfg = readConfig(dir);
    const systemFile = join(dir, cfg.system ?? 'system.img');
    let system: Buffer;
    try {
      system = readFileSync(systemFile);
    } catch (err) {
      throw new UsageError(`${systemFile}: ${(err as Error).message}`);
    }
    const packages = readdirSync(dir).filter((f) => f.endsWith('.pkg')).sort().map((f) => {
      try {
        return decodePackageScript(readFileSync(join(dir, f)), f);
      } catch (err) {
        if (err instanceof DecodeError) throw new UsageError(`${join(dir, f)}: ${err.message}`);
        throw err;
      }
    });
    let image: Buffer;
    try {
      image = buildInstallImage({ name: cfg.name, version: cfg.version, role: cfg.role, system, packages, createdAt: new Date() });
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(err.message);
      throw err;
    }
    writeFileSync(out, image);
    const summary = {
      file: out, bytes: image.length, name: cfg.name, version: cfg.version, role: cfg.role, systemBytes: system.length,
      packages: packages.map((p) => ({ name: p.name, version: p.version, file: packageFileName(p.name), steps: p.steps.length })),
      sha256: sha256Hex(image),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else process.stdout.write(`wrote ${out}: ISO 9660, ${image.length} bytes, ${cfg.name} ${cfg.version} for role ${cfg.role}, system ${system.length} bytes, ${plural(packages.length, 'package')}\n`);
    return 0;
  },
};
