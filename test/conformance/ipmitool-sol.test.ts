// Conformance: Serial-over-LAN with the real ipmitool (Debian package) against the emulator over UDP on loopback,
// ipmitool running under a pseudo-terminal (util-linux `script`; its SOL console needs a tty), the traffic captured
// and decoded by the real tshark. Asserts what ipmitool prints, never how long anything took.
import t, { type Test } from 'tap';
import { conformanceFleet } from '../helpers/conformance.js';
import { ipmitool, type Target } from '../helpers/ipmitool.js';
import { solActivate } from '../helpers/sol-console.js';
import { dissect, malformedLines } from '../helpers/tshark.js';

const PORT = 9626;
const BMC: Target = { host: '127.26.0.1', port: PORT };
const OTHER: Target = { host: '127.26.0.2', port: PORT };
const HOSTNAME = 'node-127-026-000-001';
const fleet = conformanceFleet(BMC);
const ok = (t: Test, args: string[], target = BMC, opts: Parameters<typeof ipmitool>[2] = {}) => fleet.ok(t, args, target, opts);

/** The heartbeat numbers in console output, in order. */
function heartbeats(text: string): number[] {
  return [...text.matchAll(/heartbeat seq=(\d+)/g)].map((m) => Number(m[1]));
}

t.test('sol info 1 shows the SOL configuration parameters, the payload port is the BMC\'s port', async (t) => {
  const info = await ok(t, ['sol', 'info', '1']);
  t.match(info, /Enabled\s*:\s*true/);
  t.match(info, /Privilege Level\s*:\s*USER/);
  t.match(info, /Character Accumulate Level \(ms\)\s*:\s*50/);
  t.match(info, /Character Send Threshold\s*:\s*96/);
  t.match(info, /Retry Count\s*:\s*7/);
  t.match(info, /Retry Interval \(ms\)\s*:\s*500/);
  t.match(info, /Volatile Bit Rate \(kbps\)\s*:\s*115\.2/);
  t.match(info, /Payload Channel\s*:\s*1 \(0x01\)/);
  t.match(info, new RegExp(`Payload Port\\s*:\\s*${PORT}`));
});

t.test('power cycle, sol activate: boot log, numbered lines, login dialogue, then ~. ends it cleanly', async (t) => {
  t.match(await ok(t, ['chassis', 'power', 'cycle']), /Chassis Power Control: Cycle/);
  const sol = solActivate(BMC);
  t.teardown(() => sol.kill());
  await sol.waitFor(/\[SOL Session operational\.\s+Use ~\? for help\]/);
  await sol.waitFor(new RegExp(`${HOSTNAME} login: `));
  const boot = sol.output();
  t.match(boot, /Welcome to GRUB!/, 'the boot loader');
  t.match(boot, /\[\s+\d+\.\d{6}\] Linux version 6\.1\.0-27-amd64/, 'the kernel banner with its timestamp');
  t.match(boot, /\[\s+\d+\.\d{6}\] 00:03: ttyS0 at I\/O 0x3f8 .* is a 16550A/, 'the serial port it is printing on');
  t.match(boot, new RegExp(`Debian GNU/Linux 12 ${HOSTNAME} ttyS0`), 'the getty banner');
  t.ok(boot.indexOf('Welcome to GRUB!') < boot.indexOf('Linux version') && boot.indexOf('Linux version') < boot.indexOf('login: '),
    'boot loader, kernel, login prompt: in that order');
  await sol.waitFor(/heartbeat seq=2\b/);

  let mark = sol.output().length;
  sol.type('root\r');
  await sol.waitFor(/root\r\nPassword: /, mark);
  mark = sol.output().length;
  sol.type('not-shown\r');
  await sol.waitFor(new RegExp(`root@${HOSTNAME}:~# `), mark);
  t.notMatch(sol.output().slice(mark), /not-shown/, 'the password is not echoed');
  mark = sol.output().length;
  sol.type('hostname\r');
  await sol.waitFor(new RegExp(`hostname\\r\\n${HOSTNAME}\\r\\n`), mark);
  mark = sol.output().length;
  sol.type('frobnicate\r');
  await sol.waitFor(/-bash: frobnicate: command not found/, mark);

  sol.type('\r~.');
  t.equal(await sol.exit, 0, 'ipmitool exits 0 after ~.');
  const all = sol.output();
  t.match(all, /~\. \[terminated ipmitool\]/);
  t.notMatch(all, /SOL session closed by BMC|Error/i, 'no error on the way out');
  const seqs = heartbeats(all);
  t.ok(seqs.length >= 2, `numbered lines arrived (${seqs.join(',')})`);
  t.same(seqs, seqs.map((_, i) => seqs[0] + i), 'no numbered line lost, none twice');
  t.match(await ok(t, ['raw', '0x06', '0x4a', '0x01']), /^\s*01 00 00\s*$/, 'Get Payload Activation Status: instance 1 free again');
});

t.test('a second sol activate is refused; sol deactivate from another ipmitool ends the active one', async (t) => {
  // -R 1 -N 1: one try, 1 s timeout, so the ended console notices at the first keystroke.
  const sol = solActivate(BMC, ['-R', '1', '-N', '1']);
  t.teardown(() => sol.kill());
  await sol.waitFor(/\[SOL Session operational/);
  const second = await ipmitool(BMC, ['sol', 'activate']);
  t.not(second.code, 0, 'the second activation fails');
  t.match(second.stderr, /Info: SOL payload already active on another session/);
  t.match(await ok(t, ['raw', '0x06', '0x4a', '0x01']), /^\s*01 01 00\s*$/, 'instance 1 is active');

  await ok(t, ['sol', 'deactivate']);
  t.match(await ok(t, ['raw', '0x06', '0x4a', '0x01']), /^\s*01 00 00\s*$/, 'instance 1 is free');
  const again = await ipmitool(BMC, ['sol', 'deactivate']);
  t.match(again.stderr, /Info: SOL payload already de-activated/);

  // The first console's session is still open, but its payload is gone: its next keystroke goes unanswered.
  sol.type('x');
  await sol.waitFor(/SOL session closed by BMC/);
  t.equal(await sol.exit, 1, 'that ipmitool gives up with its error');
});

t.test('sol set then sol info round-trips parameters (and restores them)', async (t) => {
  await ok(t, ['sol', 'set', 'character-accumulate-level', '20']);
  await ok(t, ['sol', 'set', 'character-send-threshold', '64']);
  await ok(t, ['sol', 'set', 'retry-count', '3']);
  await ok(t, ['sol', 'set', 'retry-interval', '20']);
  const info = await ok(t, ['sol', 'info', '1']);
  t.match(info, /Character Accumulate Level \(ms\)\s*:\s*100/);
  t.match(info, /Character Send Threshold\s*:\s*64/);
  t.match(info, /Retry Count\s*:\s*3/);
  t.match(info, /Retry Interval \(ms\)\s*:\s*200/);
  await ok(t, ['sol', 'set', 'character-accumulate-level', '10']);
  await ok(t, ['sol', 'set', 'character-send-threshold', '96']);
  await ok(t, ['sol', 'set', 'retry-count', '7']);
  await ok(t, ['sol', 'set', 'retry-interval', '50']);
  t.match(await ok(t, ['sol', 'info', '1']), /Character Accumulate Level \(ms\)\s*:\s*50/);
});

t.test('power off, power on, SOL without confidentiality (-C 2): the boot log, plaintext SOL both ways', async (t) => {
  await ok(t, ['chassis', 'power', 'off'], OTHER, { cipher: 2 });
  await ok(t, ['chassis', 'power', 'on'], OTHER, { cipher: 2 });
  const sol = solActivate(OTHER, ['-C', '2']);
  t.teardown(() => sol.kill());
  await sol.waitFor(/login: /);
  t.match(sol.output(), /Welcome to GRUB![^]*Linux version[^]*node-127-026-000-002 login: /, 'a fresh boot on the second host');
  const mark = sol.output().length;
  sol.type('operator\r');
  await sol.waitFor(/operator\r\nPassword: /, mark);
  sol.type('\r~.');
  t.equal(await sol.exit, 0);
});

t.test('tshark decodes all SOL traffic with no malformed packet; SOL flowed both ways', async (t) => {
  await fleet.capture.stop();
  const text = await dissect(fleet.capture.file, PORT);
  t.same(malformedLines(text), [], 'no malformed packets or expert errors');
  const rows = (await dissect(fleet.capture.file, PORT, ['ip.src', 'ip.dst', 'ipmi_session.payloadtype'])).trim().split('\n').map((r) => r.split('\t'));
  const sol = rows.filter(([, , type]) => Number(type) === 1);
  t.ok(sol.some(([src]) => src === BMC.host), 'SOL payloads from the BMC');
  t.ok(sol.some(([, dst]) => dst === BMC.host), 'SOL payloads to the BMC');
  t.ok(sol.some(([src]) => src === OTHER.host), 'SOL payloads from the second BMC (plaintext session)');
});
