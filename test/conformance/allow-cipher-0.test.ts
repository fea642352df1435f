// Conformance: `bmcfleet emulate --allow-cipher-0` offers and accepts cipher suite 0 (no authentication,
// integrity or confidentiality, IPMI 2.0 Table 22-20) to the real ipmitool and FreeIPMI; the suites without
// integrity (1, 6, 15) stay off. Without the option suite 0 is refused (ipmitool-lanplus.test.ts, freeipmi-bmc-info.test.ts).
import t from 'tap';
import { conformanceFleet } from '../helpers/conformance.js';
import { bmcInfo } from '../helpers/freeipmi.js';
import { ipmitool, type Target } from '../helpers/ipmitool.js';
import { dissect, malformedLines } from '../helpers/tshark.js';

const PORT = 9662;
const BMC: Target = { host: '127.62.0.1', port: PORT };
const fleet = conformanceFleet(BMC, ['--bmcs', '1', '--allow-cipher-0']);

t.test('ipmitool -C 0 mc info', async (t) => {
  t.match(await fleet.ok(t, ['mc', 'info'], BMC, { cipher: 0 }), /IPMI Version\s*:\s*2\.0/);
});

t.test('ipmitool channel getciphers lists suite 0 last, after the integrity-protected suites', async (t) => {
  const ids = (await fleet.ok(t, ['channel', 'getciphers', 'ipmi'])).split('\n').map((l) => /^(\d+)\s/.exec(l)?.[1]).filter((id) => id !== undefined).map(Number);
  t.same(ids, [17, 3, 2, 7, 8, 11, 12, 16, 0]);
});

t.test('without -C ipmitool still picks suite 17', async (t) => {
  t.match(await fleet.ok(t, ['mc', 'info']), /Device ID\s*:/);
});

t.test('FreeIPMI bmc-info -I 0', async (t) => {
  const r = await bmcInfo(BMC, ['--get-device-id'], { cipher: 0 });
  t.equal(r.code, 0, `exits 0${r.code ? `\n${r.stderr}` : ''}`);
  t.match(r.stdout, /IPMI Version\s*:\s*2\.0/);
});

for (const cipher of [1, 6, 15]) {
  t.test(`-C ${cipher} (no integrity) is still refused`, async (t) => {
    const r = await ipmitool(BMC, ['mc', 'info'], { cipher });
    t.not(r.code, 0);
    t.match(r.stderr, /no matching cipher suite/);
  });
}

t.test('tshark decodes the suite 0 sessions with no malformed packet', async (t) => {
  await fleet.capture.stop();
  const text = await dissect(fleet.capture.file, PORT);
  t.match(text, /RMCP\+ Open Session Request/);
  t.same(malformedLines(text), [], 'no malformed packets or expert errors');
});
