// Hooks on one BMC, on a manual clock with a hook port the test controls: which requests change what hooks watch
// (told before the change), a gated command waiting for its hook (a retransmission dropped meanwhile) and answered
// the hook's completion code with nothing changed; the runner's bounds (at most maxRunning, timeouts); the fleet
// file's hooks section, every mistake at its line.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import { HookEvent, type HookChange, type HookPort, type HookVerdict } from '../../emulator/bmc/hook-port.js';
import { hookedChange } from '../../emulator/bmc/hooked-changes.js';
import { BmcModel } from '../../emulator/bmc/model.js';
import { readFleetText } from '../../emulator/fleet/fleet-file.js';
import type { HookRule } from '../../emulator/fleet/schema/hooks.js';
import { BmcHooks } from '../../emulator/hooks/bmc-hooks.js';
import { HookRunner } from '../../emulator/hooks/hook-runner.js';
import type { HookResult, RunningHook } from '../../emulator/hooks/running-hook.js';
import { RmcpPlusClientSession } from '../../protocols/ipmi/client-side/rmcpplus-session.js';
import { CompletionCode } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import type { Peer } from '../../protocols/peer.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { request } from '../helpers/bmc-command-fixture.js';
import { MediaAction, SetVirtualMedia, VirtualDrive } from '../../protocols/ipmi/oem/virtual-media.js';
import type { VirtualMediaPort } from '../../emulator/bmc/virtual-media-port.js';

const CONSOLE: Peer = { address: '127.0.0.1', port: 40000 };
const CHASSIS_CONTROL = 0x02;

/** A hook port whose gating decisions the test makes, one at a time. */
class ControlledHooks implements HookPort {
  readonly asked: HookChange[] = [];
  readonly told: HookChange[] = [];
  private decide: ((v: HookVerdict) => void) | null = null;
  gates(event: HookEvent): boolean {
    return event === HookEvent.POWER;
  }
  before(change: HookChange): Promise<HookVerdict> {
    this.asked.push(change);
    return new Promise((resolve) => { this.decide = resolve; });
  }
  after(change: HookChange): void {
    this.told.push(change);
  }
  async answer(verdict: HookVerdict): Promise<void> {
    this.decide!(verdict);
    await new Promise((r) => setImmediate(r));
  }
}

function harness() {
  const clock = new ManualClock(1_000_000);
  const hooks = new ControlledHooks();
  const bmc = new EmulatedBmc({ ip: '127.188.1.1', clock, hooks });
  const sent: Buffer[] = [];
  const send = (datagram: Buffer) => { sent.push(datagram); };
  const c = new RmcpPlusClientSession({ username: 'admin', password: 'password', cipherSuite: 17, random: randomBytes });
  let out = c.open();
  for (let i = 0; i < 3; i++) {
    sent.length = 0;
    bmc.handle(out, CONSOLE, send);
    const step = c.handshake(sent[0]);
    if (step.kind === 'established') break;
    if (step.kind === 'send') out = step.datagram;
  }
  sent.length = 0;
  bmc.handle(c.request(NetFn.APP, 0x3b, Uint8Array.of(0x04), 1), CONSOLE, send); // Set Session Privilege Level: administrator
  sent.length = 0;
  const answers = () => sent.map((d) => c.response(d)).filter((r) => r !== null);
  return { clock, hooks, bmc, c, sent, send, answers };
}

t.test('a gated Chassis Control waits for its hook: refused, it answers the hook\'s code and the host stays on', async (t) => {
  const h = harness();
  t.teardown(() => h.bmc.close());
  const off = h.c.request(NetFn.CHASSIS, CHASSIS_CONTROL, Uint8Array.of(0x00), 9);
  h.bmc.handle(off, CONSOLE, h.send);
  t.equal(h.sent.length, 0, 'no answer while the hook runs');
  t.match(h.hooks.asked, [{ event: 'power', action: 'off', old: { power: 'on' }, new: { power: 'off' }, source: 'ipmi' }]);
  h.bmc.handle(h.c.request(NetFn.CHASSIS, CHASSIS_CONTROL, Uint8Array.of(0x00), 9), CONSOLE, h.send);
  t.equal(h.bmc.counters.drops.get('hook-pending'), 1, 'the retransmission dropped');
  t.equal(h.hooks.asked.length, 1, 'the hook asked once');
  h.bmc.handle(h.c.request(NetFn.APP, 0x01, new Uint8Array(0), 10), CONSOLE, h.send);
  t.same(h.answers().map((a) => a.rqSeq), [10], 'other requests answered meanwhile');
  h.sent.length = 0;
  await h.hooks.answer({ ok: false, completionCode: CompletionCode.NOT_SUPPORTED_IN_PRESENT_STATE, reason: 'domain not found' });
  t.match(h.answers(), [{ rqSeq: 9, cmd: CHASSIS_CONTROL, completionCode: 0xd5 }]);
  t.equal(h.bmc.model.powerOn, true, 'nothing changed');
  t.same(h.hooks.told, [], 'no change to tell');
});

t.test('allowed, the command runs when the hook is done, and the other hooks are told', async (t) => {
  const h = harness();
  t.teardown(() => h.bmc.close());
  h.bmc.handle(h.c.request(NetFn.CHASSIS, CHASSIS_CONTROL, Uint8Array.of(0x00), 11), CONSOLE, h.send);
  h.clock.advance(1500);
  t.equal(h.bmc.model.powerOn, true, 'not yet');
  await h.hooks.answer({ ok: true });
  t.match(h.answers(), [{ rqSeq: 11, completionCode: 0 }]);
  t.equal(h.bmc.model.powerOn, false);
  t.match(h.hooks.told, [{ event: 'power', action: 'off' }]);
  t.equal(h.bmc.counters.snapshot().requests['00/02/00'], 1, 'counted once');
});

t.test('a session that may not power the host is refused D4h without asking the hook', async (t) => {
  const h = harness();
  t.teardown(() => h.bmc.close());
  h.bmc.handle(h.c.request(NetFn.APP, 0x3b, Uint8Array.of(0x02), 2), CONSOLE, h.send); // down to user
  h.sent.length = 0;
  h.bmc.handle(h.c.request(NetFn.CHASSIS, CHASSIS_CONTROL, Uint8Array.of(0x00), 12), CONSOLE, h.send);
  t.match(h.answers(), [{ rqSeq: 12, completionCode: CompletionCode.INSUFFICIENT_PRIVILEGE }]);
  t.same(h.hooks.asked, []);
});

t.test('requests that change what hooks watch, told before the change; the rest, and no-ops, are not', (t) => {
  const m = new BmcModel({ ip: '10.9.8.7', now: 0 });
  const change = (netFn: number, cmd: number, data: number[]) => hookedChange(request(netFn, cmd, data), m, null);
  t.match(change(NetFn.CHASSIS, 0x02, [0x03]), { event: 'reset', action: 'reset', old: { power: 'on' }, new: { power: 'on' } });
  t.match(change(NetFn.CHASSIS, 0x02, [0x02]), { event: 'power', action: 'cycle' });
  t.match(change(NetFn.CHASSIS, 0x02, [0x05]), { event: 'power', action: 'soft', new: { power: 'off' } });
  t.equal(change(NetFn.CHASSIS, 0x02, [0x01]), null, 'power on when on changes nothing');
  t.equal(change(NetFn.CHASSIS, 0x02, [0x09]), null, 'an invalid action is refused, not hooked');
  // ipmitool chassis bootdev pxe: parameter 5, boot flags valid, device 0001b (PXE) in data 2 [5:2]
  t.match(change(NetFn.CHASSIS, 0x08, [0x05, 0x80, 0x04, 0x00, 0x00, 0x00]), {
    event: 'boot-device', old: { device: 'none' }, new: { device: 'pxe', persistent: false, efi: false },
  });
  t.equal(change(NetFn.CHASSIS, 0x08, [0x00, 0x01]), null, 'set in progress: another parameter');
  t.equal(change(NetFn.CHASSIS, 0x08, [0x05, 0x80]), null, 'a short boot flags write is refused (C7h)');
  t.match(change(NetFn.APP, 0x02, []), { event: 'bmc-reset', action: 'cold' });
  t.match(change(NetFn.APP, 0x03, []), { event: 'bmc-reset', action: 'warm' });
  t.equal(change(NetFn.APP, 0x01, []), null, 'Get Device ID');
  const drives = { status: () => ({ source: 'old.iso' }) } as unknown as VirtualMediaPort;
  const insert = SetVirtualMedia.encodeRequest({ drive: VirtualDrive.CDROM, action: MediaAction.INSERT, source: 'http://x/new.iso' });
  t.match(hookedChange(request(NetFn.OEM_GROUP, SetVirtualMedia.cmd, insert), m, drives), {
    event: 'media', action: 'insert', old: { drive: 'cdrom', image: 'old.iso' }, new: { drive: 'cdrom', image: 'http://x/new.iso' },
  });
  const eject = SetVirtualMedia.encodeRequest({ drive: VirtualDrive.DISK, action: MediaAction.EJECT, source: '' });
  t.match(hookedChange(request(NetFn.OEM_GROUP, SetVirtualMedia.cmd, eject), m, drives), { event: 'media', action: 'eject', new: { drive: 'disk', image: null } });
  t.equal(hookedChange(request(NetFn.OEM_GROUP, SetVirtualMedia.cmd, insert), m, null), null, 'a BMC without virtual media');
  t.end();
});

const rule = (over: Partial<HookRule> = {}): HookRule => ({
  on: ['power'], command: ['true'], webhook: null, timeoutMs: 1000, onFailure: 'log', completionCode: 0xd5, ...over,
});

/** Hooks the test ends by hand, each remembering whether it was cancelled. */
function fakeHooks() {
  const started: { event: string; end: (r: HookResult) => void; cancelled: boolean }[] = [];
  const start = (_rule: HookRule, event: string): RunningHook => {
    let end!: (r: HookResult) => void;
    const done = new Promise<HookResult>((r) => { end = r; });
    const entry = { event, end, cancelled: false };
    started.push(entry);
    return { done, cancel: () => { entry.cancelled = true; } };
  };
  return { started, start };
}

t.test('the runner: at most maxRunning at once, the rest in order; a hook past its timeout is cancelled and fails', async (t) => {
  const clock = new ManualClock(0);
  const fake = fakeHooks();
  const runner = new HookRunner({ maxRunning: 2, clock, start: fake.start });
  const results = ['a', 'b', 'c'].map((e) => runner.run(rule(), e));
  t.same(runner.counts, { running: 2, waiting: 1 });
  t.same(fake.started.map((s) => s.event), ['a', 'b']);
  clock.advance(500);
  fake.started[0].end({ ok: true });
  t.same(await results[0], { ok: true });
  t.same(fake.started.map((s) => s.event), ['a', 'b', 'c'], 'c starts when a is done');
  clock.advance(500);
  t.same(await results[1], { ok: false, reason: 'timed out after 1000 ms' });
  t.equal(fake.started[1].cancelled, true, 'b cancelled (its process group killed)');
  fake.started[2].end({ ok: false, reason: 'exited with code 1' });
  t.same(await results[2], { ok: false, reason: 'exited with code 1' });
  t.same(runner.counts, { running: 0, waiting: 0 });
});

t.test('a BMC\'s hooks: the event JSON, and the first failing gating rule\'s code', async (t) => {
  const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
  const fake = fakeHooks();
  const logged: string[] = [];
  const rules = [rule({ onFailure: 'fail', completionCode: 0xc0 }), rule({ onFailure: 'fail', completionCode: 0xff }), rule({ on: ['media'] })];
  const hooks = new BmcHooks({ maxRunning: 4, rules }, new HookRunner({ maxRunning: 4, clock, start: fake.start }), clock,
    () => ({ bmc: '127.188.1.1', rack: 'lab', host: { hostname: 'node-x', serial: 'S', systemGuid: 'G', macs: [] } }), (l) => logged.push(l));
  t.ok(hooks.gates('power'));
  t.notOk(hooks.gates('media'));
  const verdict = hooks.before({ event: 'power', action: 'on', old: { power: 'off' }, new: { power: 'on' }, source: 'ipmi' });
  t.equal(fake.started.length, 2, 'both gating rules run at once');
  t.same(JSON.parse(fake.started[0].event), {
    event: 'power', action: 'on', old: { power: 'off' }, new: { power: 'on' }, source: 'ipmi', bmc: '127.188.1.1', rack: 'lab',
    host: { hostname: 'node-x', serial: 'S', systemGuid: 'G', macs: [] }, at: '2026-01-02T03:04:05.000Z',
  });
  fake.started[0].end({ ok: true });
  fake.started[1].end({ ok: false, reason: 'no such VM' });
  t.same(await verdict, { ok: false, completionCode: 0xff, reason: 'no such VM' });
  t.match(logged, [/^power on at 127\.188\.1\.1 refused: hook \["true"\] failed: no such VM$/]);
  hooks.after({ event: 'media', action: 'eject', old: { drive: 'cdrom', image: 'a.iso' }, new: { drive: 'cdrom', image: null }, source: 'control-api' });
  fake.started[2].end({ ok: false, reason: 'exited with code 2' });
  await new Promise((r) => setImmediate(r));
  t.match(logged[1], /^media eject at 127\.188\.1\.1: hook \["true"\] failed: exited with code 2$/);
});

t.test('the fleet file\'s hooks section: every mistake at its line', (t) => {
  const { issues } = readFleetText([
    'racks: [{ bmcs: 1, firstIp: 127.188.2.1 }]',
    'hooks:',
    '  maxRunning: 0',
    '  run:',
    '    - { on: [power], command: [a], webhook: "http://x/" }',
    '    - { on: [], command: [a] }',
    '    - { on: [lights], command: [a] }',
    '    - { on: [reset], webhook: "ftp://x/" }',
    '    - { on: [reset], command: [a], completionCode: 0x00 }',
    '    - { on: [reset], command: "a b", onFailure: maybe }',
    '',
  ].join('\n'));
  const lines = issues.map((i) => `${i.line}: ${i.message}`);
  t.match(lines, [
    /^3: .*a whole number from 1 to 1024/,
    /^5: give a command or a webhook/,
    /^6: name at least one event/,
    /^7: expected one of power, reset, boot-device, media, bmc-reset, got "lights"/,
    /^8: expected an http\(s\) URL, got "ftp:\/\/x\/"/,
    /^9: expected a completion code, C0h-D6h or FFh/,
    /^10: expected a command as a list/,
    /^10: expected one of log, fail, got "maybe"/,
  ]);
  t.equal(issues.length, 8);
  t.end();
});
