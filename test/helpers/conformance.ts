// What every ipmitool conformance file sets up: a tshark capture of the port, an emulator on it, both stopped
// at the end, and `ok`, which runs ipmitool and asserts it exited 0 with no error on stderr.
import t, { type Test } from 'tap';
import { startEmulator, type EmulatorProcess } from './emulator-process.js';
import { ipmitool, type Target } from './ipmitool.js';
import { startCapture, type Capture } from './tshark.js';

export interface ConformanceFleet {
  /** Set once the file's `before` hook has run. */
  emulator: EmulatorProcess;
  capture: Capture;
  ok(t: Test, args: string[], target?: Target, opts?: Parameters<typeof ipmitool>[2]): Promise<string>;
}

/** Registers before/teardown hooks on the file's top-level test: capture `udp port PORT`, then the emulator. */
export function conformanceFleet(first: Target, emulatorArgs: string[] = ['--bmcs', '2']): ConformanceFleet {
  const fleet = {
    async ok(t: Test, args: string[], target: Target = first, opts: Parameters<typeof ipmitool>[2] = {}) {
      const r = await ipmitool(target, args, opts);
      t.equal(r.code, 0, `ipmitool ${args.join(' ')} exits 0${r.code ? `\n${r.stderr}` : ''}`);
      t.notMatch(r.stderr, /Unable to|failed|Error/i, `ipmitool ${args.join(' ')}: no errors on stderr`);
      return r.stdout;
    },
  } as ConformanceFleet;
  t.before(async () => {
    fleet.capture = await startCapture(`udp port ${first.port}`);
    fleet.emulator = await startEmulator([...emulatorArgs, '--first-ip', first.host, '--ipmi-port', String(first.port)]);
  });
  t.teardown(async () => {
    await fleet.emulator?.stop();
    await fleet.capture?.stop();
  });
  return fleet;
}
