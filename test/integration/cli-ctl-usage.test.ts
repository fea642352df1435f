// `bmcfleet ctl` usage mistakes it can see for itself (issue 18): an unknown choice, a number out of range, a value
// that is not a number, an address that is not one. Each exits 2 with one line naming what it takes, and no request
// reaches the control API (a stub here that counts them and would answer 400, which ctl turns into exit 1).
import t from 'tap';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLI } from '../helpers/emulator-process.js';

const IP = '127.1.0.1';
let server: Server;
let control: string;
const asked: string[] = [];

t.before(async () => {
  server = createServer((req, res) => {
    asked.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'the stub refuses every request' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  control = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));

function ctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'ctl', '--control', control, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const MISTAKES: [string[], RegExp][] = [
  [['power', IP, 'sideways'], /ACTION must be one of on, off, cycle, reset, soft, diag, got "sideways"/],
  [['power', 'bmc7', 'on'], /takes a BMC's IPv4 address, got "bmc7"/],
  [['show', '127.1.0'], /takes a BMC's IPv4 address, got "127\.1\.0"/],
  [['stall', 'every', '--ms', '100'], /IPv4 address or "all", got "every"/],
  [['stall', 'all', '--ms', '0'], /--ms must be a whole number from 1 to 3600000, got "0"/],
  [['reboot', IP, '--ms', 'soon'], /--ms must be a whole number from 1 to 3600000, got "soon"/],
  [['fault', IP, '--loss', '150'], /--loss must be a number from 0 to 100, got "150"/],
  [['fault', 'all', '--latency', 'slow'], /--latency must be a number from 0 to 3600000, got "slow"/],
  [['list', '--limit', '0'], /--limit must be a whole number from 1 to 10000, got "0"/],
  [['list', '--offset=-1'], /--offset must be a whole number of 0 or more, got "-1"/],
  [['list', '--offset', '-1'], /argument is ambiguous\. Did you forget .* use '--offset=-XYZ'\.$/],
  [['insert', IP, 'floppy', '/srv/a.img'], /DRIVE must be one of cdrom, disk, got "floppy"/],
  [['eject', IP, 'tape'], /DRIVE must be one of cdrom, disk, got "tape"/],
  [['sensor', IP, 'Fan1', 'fast'], /a reading \(a number\) or "auto", got "fast"/],
  [['sensor', IP, '', '40'], /ctl sensor takes the sensor's NAME/],
  [['remove-rack', ' '], /ctl remove-rack takes a rack's NAME/],
  [['sel', IP, 'add', '--sensor', 'Fan1', '--event-type', '200', '--data', '1'], /--event-type must be a whole number from 0 to 127, got "200"/],
  [['sel', IP, 'add', '--sensor', 'Fan1', '--data', '1'], /needs --event-type/],
  [['sel', IP, 'add', '--sensor-type', '1', '--event-type', '1', '--data', '1'], /by --sensor NAME, or by both --sensor-type T and --sensor-number N/],
  [['sel', IP, 'add', '--sensor', 'Fan1', '--event-type', '1', '--data', '1,2,3,4'], /a system event carries 1 to 3 bytes, got 4/],
  [['sel', IP, 'add', '--sensor', 'Fan1', '--event-type', '1', '--data', '256'], /--data takes bytes \(0 to 255/],
  [['sel', IP, 'add', '--oem', '0x10', '--data', '1'], /--oem must be a whole number from 192 to 255, got "0x10"/],
  [['sel', IP, 'add', '--oem', '0xe0', '--data', '1', '--manufacturer', '7'], /--manufacturer goes with --oem 0xc0 to 0xdf/],
  [['sel', IP, 'add', '--oem', '0xc0', '--data', '1', '--event-type', '1'], /--event-type is for a system event, not an --oem record/],
  [['add', IP, '--count', '0'], /--count must be a whole number of 1 or more, got "0"/],
  [['add', IP, '--rmc', 'rack-rmc'], /--rmc takes the RMC's IPv4 address, got "rack-rmc"/],
];

for (const [args, message] of MISTAKES) {
  t.test(`ctl ${args.join(' ')}: exit 2, nothing sent`, async (t) => {
    const before = asked.length;
    const run = await ctl(args);
    t.equal(run.code, 2, run.stderr);
    const [first, ...rest] = run.stderr.trimEnd().split('\n');
    t.match(first, message);
    t.match(first, /^bmcfleet ctl: /, 'one line, as other usage errors');
    t.same(rest, ['(see: bmcfleet ctl --help)']);
    t.equal(run.stdout, '');
    t.same(asked.slice(before), [], 'no request reached the control API');
  });
}

t.test('a well-formed command does reach the API (the stub\'s refusal exits 1)', async (t) => {
  const run = await ctl(['power', IP, 'cycle']);
  t.equal(run.code, 1);
  t.match(run.stderr, /the stub refuses every request \(HTTP 400\)/);
  t.same(asked.at(-1), `POST /bmcs/${IP}/power`);
});
