// The emulated host's serial console: deterministic script, power on/off/reset, live delivery only while watched,
// history by position, the bounded ring of interactive output, and the login dialogue.
import t from 'tap';
import { BmcModel } from '../../emulator/bmc/model.js';
import { ChassisAction } from '../../protocols/ipmi/commands/chassis.js';
import { controlPower } from '../../emulator/bmc/power.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { ConsoleRing, POSITIONS_PER_MS } from '../../emulator/host/console-ring.js';
import { BOOT_LINE_COUNT, ConsoleScript, LOGIN_PROMPT_OFFSET_MS, ResumeAt } from '../../emulator/host/console-script.js';
import { HostConsole, type HostConsoleSettings } from '../../emulator/host/host-console.js';
import { hostConsoleFor, hostIdentityOf } from '../../emulator/bmc/host-link.js';
import { LoginShell } from '../../emulator/host/login-shell.js';

const T0 = 1_700_000_000_000;

function host(ip = '10.9.8.7', settings: HostConsoleSettings = {}, powerOn = false) {
  const clock = new ManualClock(T0);
  const model = new BmcModel({ ip, now: T0, powerOn });
  const console = hostConsoleFor(model, clock, { initialUptimeMs: 0, ...settings });
  return { clock, model, console };
}

t.test('the script is a pure function of identity and time: same inputs, same lines; another host, other lines', (t) => {
  const a = host();
  const b = host();
  const c = host('10.9.8.8');
  for (const h of [a, b, c]) h.console.boot(T0 + 5);
  const window = (h: ReturnType<typeof host>) => h.console.text(0, T0 + 60_000, 10_000);
  t.equal(window(a), window(b), 'identical output for identical BMCs and power-on times');
  t.not(window(a), window(c), 'another BMC prints another serial number and host name');
  t.match(window(a), /node-010-009-008-007 login: /);
  t.match(window(c), /node-010-009-008-008 login: /);
  const later = host();
  later.console.boot(T0 + 1005);
  t.equal(later.console.text(0, T0 + 61_000, 10_000), window(a), 'booting 1 s later shifts the same text by 1 s');
  t.end();
});

t.test('line n appears at offset(n): boot lines in order, the login prompt, then numbered lines every interval', (t) => {
  const script = new ConsoleScript(hostIdentityOf(new BmcModel({ ip: '10.0.0.1', now: 0 })), 250);
  for (let n = 0; n < BOOT_LINE_COUNT + 20; n++) {
    t.equal(script.countAt(script.offset(n)), n + 1, `line ${n} has appeared at its offset`);
    t.equal(script.countAt(script.offset(n) - 1), n, `and not 1 ms before`);
  }
  t.equal(script.offset(BOOT_LINE_COUNT - 1), LOGIN_PROMPT_OFFSET_MS);
  t.match(script.text(BOOT_LINE_COUNT - 1), /login: $/, 'the prompt waits on its line');
  t.match(script.text(BOOT_LINE_COUNT), /^\[\s+\d+\.\d{6}\] .*heartbeat seq=1\r\n$/);
  t.equal(ConsoleScript.sequenceOf(BOOT_LINE_COUNT + 41), 42);
  t.equal(script.offset(BOOT_LINE_COUNT + 3) - script.offset(BOOT_LINE_COUNT + 2), 250);
  t.match(script.text(0), /^Bmcfleet Systems /, 'firmware first');
  t.equal(script.countAt(-1), 0);
  t.throws(() => new ConsoleScript(script.identity, 0), RangeError);
  t.end();
});

t.test('history by position: pages of any size add up to one read; positions strictly increase', (t) => {
  const h = host();
  h.console.boot(T0);
  const now = T0 + 30_000;
  const whole = h.console.history(0, now, 10_000);
  t.notOk(whole.more);
  let after = 0;
  const pages: string[] = [];
  let last = -1;
  for (;;) {
    const page = h.console.history(after, now, 7);
    for (const c of page.chunks) {
      t.ok(c.position > last, 'increasing');
      last = c.position;
    }
    pages.push(page.chunks.map((c) => c.text).join(''));
    after = page.position;
    if (!page.more) break;
  }
  t.equal(pages.join(''), whole.chunks.map((c) => c.text).join(''));
  t.same(h.console.history(whole.position, now).chunks, [], 'nothing after the last position');
  const next = h.console.history(h.console.positionAt(now), now + 10_000).chunks;
  t.equal(next.length, 10, 'the next 10 s hold one numbered line a second');
  t.same(next.slice(1).map((c, i) => c.at - next[i].at), new Array(9).fill(1000));
  t.end();
});

t.test('power off stops the output; power on starts the boot log again', (t) => {
  const h = host();
  h.console.boot(T0);
  h.console.powerOff(T0 + 20_000);
  t.notOk(h.console.powerOn);
  const upToOff = h.console.text(0, T0 + 20_000, 10_000);
  t.equal(h.console.text(0, T0 + 90_000, 10_000), upToOff, 'nothing more while off');
  t.match(upToOff, /heartbeat seq=10\r\n$/, 'the last line before power off');
  h.console.input(Buffer.from('root\r'), T0 + 30_000);
  t.equal(h.console.ring.size, 0, 'a powered-off host reads nothing');
  h.console.boot(T0 + 100_000);
  const after = h.console.text(h.console.positionAt(T0 + 90_000), T0 + 120_000, 10_000);
  t.match(after, /^Bmcfleet Systems .*\r\nBIOS Version/, 'firmware again first');
  t.match(after, /heartbeat seq=1\r\n/, 'numbering restarts');
  t.end();
});

t.test('the host follows the model: chassis power cycle and reset restart the boot log, power off stops it', (t) => {
  const h = host('10.9.8.7', {}, true);
  t.ok(h.console.powerOn);
  controlPower(h.model, ChassisAction.HARD_RESET, T0 + 1_000, 1);
  t.equal(h.console.bootAt, T0 + 1_000);
  controlPower(h.model, ChassisAction.POWER_CYCLE, T0 + 20_000, 1);
  t.equal(h.console.bootAt, T0 + 20_000);
  const text = h.console.text(0, T0 + 40_000, 10_000);
  t.equal(text.match(/Welcome to GRUB!/g)?.length, 2, 'two boots seen in history');
  controlPower(h.model, ChassisAction.POWER_DOWN, T0 + 41_000, 1);
  t.notOk(h.console.powerOn);
  controlPower(h.model, ChassisAction.POWER_UP, T0 + 50_000, 1);
  t.equal(h.console.bootAt, T0 + 50_000);
  t.end();
});

t.test('live delivery: a timer only while someone watches and the host is on; it delivers what history says', (t) => {
  const h = host('10.9.8.7', { lineIntervalMs: 500 });
  h.console.boot(T0);
  t.equal(h.clock.pending, 0, 'nobody watches: no timer');
  const got: string[] = [];
  h.clock.advance(3_000);
  const start = h.clock.now();
  const stop = h.console.subscribe((bytes) => got.push(bytes.toString('latin1')), start);
  t.equal(h.clock.pending, 1, 'one timer for the next line');
  h.clock.advance(15_000);
  t.equal(got.join(''), h.console.text(h.console.positionAt(start), h.clock.now(), 10_000), 'exactly the history of that window');
  t.match(got.join(''), /login: [^]*heartbeat seq=1\r\n/);
  h.console.powerOff(h.clock.now());
  t.equal(h.clock.pending, 0, 'off: no timer');
  h.console.boot(h.clock.now());
  t.equal(h.clock.pending, 1);
  stop();
  t.equal(h.clock.pending, 0, 'unsubscribed: no timer');
  t.end();
});

t.test('login dialogue: echo, no echo for the password, a shell prompt; interactive chunks sit after scripted ones', (t) => {
  const h = host();
  h.console.boot(T0);
  const seen: string[] = [];
  h.console.subscribe((b) => seen.push(b.toString('latin1')), T0);
  h.console.input(Buffer.from('early\r'), T0 + 5_000);
  t.equal(h.console.ring.size, 0, 'before the login prompt the host does not read');
  const at = T0 + LOGIN_PROMPT_OFFSET_MS + 1_000; // same ms as heartbeat 1
  h.console.input(Buffer.from('root\r'), at);
  h.console.input(Buffer.from('s3cret\r'), at + 10);
  h.console.input(Buffer.from('echo hi\r'), at + 20);
  const typed = h.console.history(h.console.positionAt(at - 1), at + 20).chunks;
  t.same(typed.map((c) => c.source), ['script', 'interactive', 'interactive', 'interactive'], 'the line of that ms comes first');
  t.same(typed.map((c) => c.position - at * POSITIONS_PER_MS).slice(0, 2), [0, 1]);
  const dialogue = typed.slice(1).map((c) => c.text).join('');
  t.match(dialogue, /^root\r\nPassword: \r\nLinux node-010-009-008-007 /);
  t.notMatch(dialogue, /s3cret/);
  t.match(dialogue, /root@node-010-009-008-007:~# echo hi\r\nhi\r\nroot@node-010-009-008-007:~# $/);
  t.match(seen.join(''), /Password: /, 'watchers get interactive output at once');
  t.end();
});

t.test('the ring of interactive output is bounded; same-ms entries get increasing positions', (t) => {
  const ring = new ConsoleRing(3);
  for (let i = 0; i < 5; i++) ring.push(1000 + i, `e${i}`);
  t.equal(ring.size, 3);
  t.same(ring.since(0, 10).map((e) => e.text), ['e2', 'e3', 'e4'], 'the oldest went');
  t.same(ring.since(1003 * POSITIONS_PER_MS + 1, 10).map((e) => e.text), ['e4']);
  const same = new ConsoleRing(2000);
  const positions = Array.from({ length: POSITIONS_PER_MS + 5 }, (_, i) => same.push(7, String(i % 10)).position);
  t.same(positions.slice(0, 3), [7 * POSITIONS_PER_MS + 1, 7 * POSITIONS_PER_MS + 2, 7 * POSITIONS_PER_MS + 3]);
  t.equal(same.size, POSITIONS_PER_MS - 1, 'past 1023 entries in one ms, text joins the last one');
  t.ok(positions.every((p) => p < 8 * POSITIONS_PER_MS), 'never into the next ms');
  t.equal(same.push(5, 'late').at, 7, 'time never goes back');
  t.throws(() => new ConsoleRing(0), RangeError);
  const h = host('10.9.8.7', { ringCapacity: 4 });
  h.console.boot(T0);
  for (let i = 0; i < 10; i++) h.console.input(Buffer.from('x'), T0 + 20_000 + i);
  t.equal(h.console.ring.size, 4, 'the host keeps ringCapacity chunks');
  t.end();
});

t.test('LoginShell: CR LF is one Enter, DEL erases, empty name re-prompts, exit logs out', (t) => {
  const shell = new LoginShell(hostIdentityOf(new BmcModel({ ip: '10.0.0.2', now: 0 })));
  t.equal(shell.input(Buffer.from('\r\n'), 0), '\r\nnode-010-000-000-002 login: ');
  t.equal(shell.input(Buffer.from('roox\x7ft\r\n'), 0), 'roox\b \bt\r\nPassword: ');
  t.equal(shell.current, 'password');
  shell.input(Buffer.from('pw\r'), 0);
  t.equal(shell.current, 'shell');
  t.match(shell.input(Buffer.from('uptime\r'), 3_660_000), /up 1:01, /);
  t.match(shell.input(Buffer.from('exit\r'), 0), /logout\r\n[^]*login: $/);
  t.equal(shell.current, 'user');
  t.end();
});

t.test('a network boot, then the firmware hands over: the disk\'s script resumes at the boot loader and takes input at its prompt', (t) => {
  const h = host();
  h.console.boot(T0, { from: 'network' });
  h.console.input(Buffer.from('root\r'), T0 + 20_000);
  t.equal(h.console.ring.size, 0, 'the network boot firmware reads no input');
  t.match(h.console.text(0, T0 + 20_000), /Booting from network: .*\r\niPXE initialising devices\.\.\.ok\r\n[^]*\(open\)\r\n$/, 'its script ends after iPXE\'s lines');
  const at = T0 + 30_000;
  h.console.handOver(at, ResumeAt.BOOT_LOADER);
  t.equal(h.console.bootAt, T0, 'the boot still began at power-on');
  const resumed = h.console.text(h.console.positionAt(at - 1), at + 20_000);
  t.match(resumed, /^Welcome to GRUB!\r\n/, 'the boot loader comes first');
  t.equal(h.console.history(h.console.positionAt(at - 1), at + 20_000).chunks[0].at, at + 10, '10 ms after the hand-over');
  const prompt = at + LOGIN_PROMPT_OFFSET_MS - ResumeAt.BOOT_LOADER + 10;
  h.console.input(Buffer.from('early\r'), prompt - 1);
  t.equal(h.console.ring.size, 0, 'no input before the login prompt');
  h.console.input(Buffer.from('root\r'), prompt);
  t.match(h.console.ring.since(0, 10).map((e) => e.text).join(''), /^root\r\nPassword: /, 'the login prompt reads');
  h.console.handOver(at + 40_000, ResumeAt.BOOT_DEVICE);
  t.match(h.console.text(h.console.positionAt(at + 39_999), at + 40_100), /^Booting from Bay 0: /, 'a fall-back resumes at the boot device line');
  h.console.powerOff(at + 50_000);
  h.console.handOver(at + 50_001, ResumeAt.BOOT_LOADER);
  t.equal(h.console.bootAt, null, 'a hand-over while off does nothing');
  t.end();
});
