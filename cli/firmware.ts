// bmcfleet firmware pack: HPM.1 upgrade images (PICMG HPM.1 r1.0 §4) of emulated BMC firmware, for the BMCs of a
// fleet template or for any device, manufacturer and product IDs.
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { UsageError, integer, parse, str } from './args.js';
import { formatVersion, type HpmVersion } from '../protocols/ipmi/commands/hpm.js';
import {
  BMC_FIRMWARE_COMPONENT, FIRMWARE_HEADER_BYTES, buildFirmware, packFirmwareImage, type FirmwareTarget,
} from '../protocols/ipmi/oem/bmcfleet-firmware.js';
import { BmcModel } from '../emulator/bmc/model.js';
import { DEFAULT_MAX_FIRMWARE_BYTES } from '../emulator/bmc/firmware-upgrade.js';
import { loadFleetFile, type FleetConfig } from '../emulator/fleet/fleet-file.js';
import { bmcOptions } from '../emulator/fleet/plan.js';

const DEFAULT_SIZE = 64 * 1024;

const HELP = `usage: bmcfleet firmware pack --out FILE --version X.Y [--size BYTES] [--json]
                             [--template NAME --config FLEET.yaml | --device-id N --manufacturer N --product N]

Writes an HPM.1 upgrade image (the PICMG format ipmitool hpm reads) of emulated BMC firmware at version
X.Y, for component ${BMC_FIRMWARE_COMPONENT} ("BMC firmware") of an emulated BMC. The image holds three actions:
back up the running firmware, prepare, upload. Its capabilities byte is 00h, so ipmitool never stops to
ask a question, and its header checksum and MD5 are what ipmitool checks before it sends anything.

Whom the image is for: ipmitool compares the image's device ID, manufacturer ID and product ID with the
BMC's Get Device ID answer and refuses an image for another product before any transfer; the emulated
BMC checks them again when the upload finishes. Give them one of two ways:
  --template NAME --config FLEET.yaml   the IDs the BMCs of that hardware template report
  --device-id N --manufacturer N --product N
                                        the IDs themselves (decimal or 0x hex); each one left out is the
                                        emulated BMC's default (device 0x20, manufacturer 32473, product 1)

options:
  --out FILE        the image file to write
  --version X.Y     the firmware version it brings: major 0-127, minor 0-99 ("1.02"; Get Device ID
                    shows it after the upgrade, ipmitool prints it "1.02")
  --size BYTES      firmware bytes uploaded to the BMC (default ${DEFAULT_SIZE}; ${FIRMWARE_HEADER_BYTES} to ${DEFAULT_MAX_FIRMWARE_BYTES})
  --json            print what was written as JSON

examples:
  bmcfleet firmware pack --out bmc-1.02.hpm --version 1.02 --template storage-2u --config fleets/default.yaml
  ipmitool -I lanplus -H 127.1.0.1 -U admin -P password -z 30000 hpm check bmc-1.02.hpm
  ipmitool -I lanplus -H 127.1.0.1 -U admin -P password -z 30000 hpm upgrade bmc-1.02.hpm activate

(-z 30000 lets ipmitool send large blocks: with its default of 36 bytes a block, 1 MiB takes 29,000
requests.) After activation the BMC reboots (silent a few seconds, every session lost) and Get Device ID
reports the new version; "ipmitool hpm rollback" goes back to the previous one.
`;

/** Decimal or 0x-prefixed hex, within [min, max]. */
function number(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^0x[0-9a-f]+$/i.test(value) ? parseInt(value, 16) : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= max)) throw new UsageError(`--${name} must be a number from 0 to ${max} (decimal or 0x hex), got "${value}"`);
  return n;
}

function version(value: string | undefined): HpmVersion {
  if (value === undefined) throw new UsageError('--version is required (e.g. --version 1.02)');
  const m = /^(\d{1,3})\.(\d{1,2})$/.exec(value);
  if (!m || Number(m[1]) > 127) throw new UsageError(`--version must be MAJOR.MINOR (major 0-127, minor 0-99), e.g. 1.02, got "${value}"`);
  return { major: Number(m[1]), minor: Number(m[2]), aux: new Uint8Array(4) };
}

/** The IDs the BMCs of template `name` report in Get Device ID: a BMC model built as the fleet builds its BMCs. */
function templateTarget(cfg: FleetConfig, name: string, file: string): FirmwareTarget {
  if (!(name in cfg.templates)) {
    const known = Object.keys(cfg.templates);
    throw new UsageError(`${file} has no template "${name}" (${known.length ? `templates: ${known.join(', ')}` : 'it has no templates'})`);
  }
  const rack = cfg.racks.find((r) => r.template === name) ?? { ...cfg.racks[0], template: name };
  const { device } = new BmcModel(bmcOptions(cfg, { index: 0, ip: rack.firstIp, rack }));
  return { deviceId: device.deviceId, manufacturerId: device.manufacturerId, productId: device.productId };
}

function target(values: Record<string, string | boolean | undefined>): FirmwareTarget {
  const template = str(values, 'template');
  const config = str(values, 'config');
  const ids = ['device-id', 'manufacturer', 'product'].filter((k) => values[k] !== undefined);
  if (template !== undefined || config !== undefined) {
    if (template === undefined || config === undefined) throw new UsageError('--template and --config go together');
    if (ids.length > 0) throw new UsageError(`--template gives the IDs: leave out --${ids.join(', --')}`);
    return templateTarget(loadFleetFile(config), template, config);
  }
  const defaults = new BmcModel({ ip: '127.0.0.1' }).device;
  return {
    deviceId: number(str(values, 'device-id'), 'device-id', defaults.deviceId, 0xff),
    manufacturerId: number(str(values, 'manufacturer'), 'manufacturer', defaults.manufacturerId, 0xfffff),
    productId: number(str(values, 'product'), 'product', defaults.productId, 0xffff),
  };
}

const PACK_OPTIONS = {
  out: { type: 'string' }, version: { type: 'string' }, size: { type: 'string' }, template: { type: 'string' },
  config: { type: 'string' }, 'device-id': { type: 'string' }, manufacturer: { type: 'string' }, product: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const firmwareCommand = {
  options: { pack: PACK_OPTIONS },
  async run(argv: string[]): Promise<number> {
    const [what, ...rest] = argv;
    if (what === '--help' || what === '-h' || what === undefined) {
      process.stdout.write(HELP);
      return what === undefined ? 2 : 0;
    }
    if (what !== 'pack') throw new UsageError(`unknown firmware command "${what}" (known: pack)`);
    const { values } = parse(rest, PACK_OPTIONS);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const out = str(values, 'out');
    if (!out) throw new UsageError('--out FILE is required');
    const v = version(str(values, 'version'));
    const size = integer(str(values, 'size'), 'size', DEFAULT_SIZE, FIRMWARE_HEADER_BYTES, DEFAULT_MAX_FIRMWARE_BYTES);
    const to = target(values);
    const image = packFirmwareImage(buildFirmware(to, v, size), Math.floor(Date.now() / 1000));
    writeFileSync(out, image);
    const summary = {
      file: out, bytes: image.length, version: formatVersion(v), component: BMC_FIRMWARE_COMPONENT, firmwareBytes: size,
      deviceId: to.deviceId, manufacturerId: to.manufacturerId, productId: to.productId,
      md5: createHash('md5').update(image).digest('hex'),
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      process.stdout.write(`wrote ${out}: HPM.1 image, ${image.length} bytes, BMC firmware ${summary.version} (component ${BMC_FIRMWARE_COMPONENT}, ` +
        `${size} bytes) for device ID 0x${hex(to.deviceId, 2)}, manufacturer ${to.manufacturerId}, product 0x${hex(to.productId, 4)}\n`);
    }
    return 0;
  },
};

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0');
}
