// Conformance: the real FreeIPMI bmc-info (Debian freeipmi-tools 1.6.10) against the emulator over RMCP+ on
// loopback, with every cipher suite FreeIPMI supports and our BMC offers by default. FreeIPMI is the peer for
// suites 11 and 12 (MD5-128 integrity), which ipmitool 1.8.19 cannot run; the traffic is checked by tshark.
import t, { type Test } from 'tap';
import { conformanceFleet } from '../helpers/conformance.js';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { bmcInfo } from '../helpers/freeipmi.js';
import type { Target } from '../helpers/ipmitool.js';
import { dissect, malformedLines } from '../helpers/tshark.js';

const PORT = 9661;
const BMC: Target = { host: '127.61.0.1', port: PORT };
/** A second emulator whose admin has a 20-byte password, the longest IPMI 2.0 allows (MD5-128 keys with all of it). */
const LONG_PASSWORD: Target = { host: '127.61.1.1', port: PORT, password: 'twenty-byte-password' };
/** FreeIPMI 1.6.10's suites (bmc-info -I): 0-3, 6-8, 11, 12, 15-17. */
const OFFERED = [2, 3, 7, 8, 11, 12, 16, 17];
const NOT_OFFERED = [0, 1, 6, 15]; // no integrity protection: off by default

const fleet = conformanceFleet(BMC, ['--bmcs', '1']);
let longPasswordBmc: EmulatorProcess | undefined;
t.before(async () => {
  longPasswordBmc = await startEmulator(['--bmcs', '1', '--first-ip', LONG_PASSWORD.host, '--ipmi-port', String(PORT),
    '--password', LONG_PASSWORD.password!, '--control', 'none']);
});
t.teardown(() => longPasswordBmc?.stop());

async function ok(t: Test, target: Target, args: string[], cipher: number): Promise<string> {
  const r = await bmcInfo(target, args, { cipher });
  t.equal(r.code, 0, `bmc-info -I ${cipher} ${args.join(' ')} exits 0${r.code ? `\n${r.stderr}` : ''}`);
  t.equal(r.stderr, '', 'nothing on stderr');
  return r.stdout;
}

for (const cipher of OFFERED) {
  t.test(`bmc-info -I ${cipher}: device ID, GUIDs and channel info in one session`, async (t) => {
    const out = await ok(t, BMC, [], cipher);
    t.match(out, /Device ID\s*:\s*32/);
    t.match(out, /IPMI Version\s*:\s*2\.0/);
    t.match(out, /Manufacturer ID\s*:.*\(32473\)/);
    t.match(out, /System GUID\s*:\s*[0-9a-f]{8}-/);
    t.match(out, /Medium Type\s*:\s*802\.3 LAN/);
  });
}

for (const cipher of [11, 12]) {
  t.test(`bmc-info -I ${cipher} with a 20-byte password (MD5-128 keys with the whole password field)`, async (t) => {
    t.match(await ok(t, LONG_PASSWORD, ['--get-device-id'], cipher), /IPMI Version\s*:\s*2\.0/);
  });
}

for (const cipher of NOT_OFFERED) {
  t.test(`bmc-info -I ${cipher} is refused: the suite is not offered by default`, async (t) => {
    const r = await bmcInfo(BMC, ['--get-device-id'], { cipher });
    t.not(r.code, 0);
    t.match(r.stderr, /cipher suite id unavailable/);
  });
}

t.test('the BMC dropped no FreeIPMI packet as failing its integrity check', async (t) => {
  const control = /control (http:\/\/\S+)/.exec(fleet.emulator.readyLine)![1];
  const bmc = await (await fetch(`${control}/bmcs/${BMC.host}`)).json() as { counters: { drops: Record<string, number> } };
  t.same(bmc.counters.drops, {}, 'no drops of any reason');
});

t.test('tshark decodes all FreeIPMI traffic with no malformed packet', async (t) => {
  await fleet.capture.stop();
  const text = await dissect(fleet.capture.file, PORT);
  t.match(text, /RMCP\+ Open Session Request/, 'tshark dissected RMCP+ traffic');
  t.same(malformedLines(text), [], 'no malformed packets or expert errors');
});
