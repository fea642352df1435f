// Where the installed package lives (dist/cli/ is two levels below it), so a global install finds its own
// package.json (for --version) and the fleet files it ships (fleets/).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The version in the package's package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** A fleet file shipped with the package, by name ("default": fleets/default.yaml). */
export function shippedFleetFile(name: string): string {
  return join(PACKAGE_ROOT, 'fleets', `${name}.yaml`);
}

/** A fleet file named on the command line: FILE as given, or the shipped one when FILE is "default" and no such file is here (a global install). */
export function fleetFileArg(file: string): string {
  return file === 'default' && !existsSync(file) ? shippedFleetFile('default') : file;
}
