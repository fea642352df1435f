// A shard that cannot run for longer than the Redfish headers timeout (10 s: a busy machine, thousands of first
// contacts each making a certificate) must not close a connection whose client sent its TLS handshake and request at
// once: the headers' clock starts when the handshake is done (README "Redfish"). Before, the clock ran from the
// accept, and the shard, coming back, closed such a connection unanswered. Real parts: a fleet process, its shard
// stopped with SIGSTOP for 11 s, a TLS client trusting the fleet's CA.
import t from 'tap';
import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';

const BMC = '127.76.8.1';
const STALL_MS = 11_000;
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-redfish-stall-'));
let emu: EmulatorProcess;
let port: number;

/** The pid of a child of `parent` whose command line names `script`. */
function childRunning(parent: number, script: string): number {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(script)) return Number(pid);
    } catch { /* gone meanwhile */ }
  }
  throw new Error(`no ${script} under ${parent}`);
}

t.before(async () => {
  port = await freeTcpPort();
  writeFileSync(join(dir, 'fleet.yaml'), [
    `ipmiPort: ${await freeUdpPort()}`, 'control: none', `virtualMedia: { port: ${await freeTcpPort()} }`,
    `redfish: { port: ${port} }`, 'racks:', `  - { name: a, bmcs: 1, firstIp: ${BMC} }`, '',
  ].join('\n'));
  emu = await startEmulator(['--config', join(dir, 'fleet.yaml'), '--state-dir', dir]);
});
t.teardown(() => emu?.stop());

t.test('a handshake and request sent while the shard was stopped 11 s are answered when it runs again', async (t) => {
  const shard = childRunning(emu.child.pid!, 'shard-main');
  const raw = net.connect({ host: BMC, port });
  await new Promise((resolve) => raw.once('connect', resolve));
  await new Promise((resolve) => setTimeout(resolve, 500)); // the fleet's listener hands the connection to the shard
  process.kill(shard, 'SIGSTOP');
  let stopped = true;
  t.teardown(() => { if (stopped) process.kill(shard, 'SIGCONT'); });
  const client = tls.connect({ socket: raw, ca: readFileSync(join(dir, 'redfish-ca.pem')), checkServerIdentity: () => undefined });
  client.write(`GET /redfish/v1/ HTTP/1.1\r\nHost: ${BMC}\r\nConnection: close\r\n\r\n`);
  let answer = '';
  client.on('data', (d: Buffer) => { answer += d.toString(); });
  const closed = new Promise<string | null>((resolve) => {
    client.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    client.once('close', () => resolve(null));
  });
  await new Promise((resolve) => setTimeout(resolve, STALL_MS));
  process.kill(shard, 'SIGCONT');
  stopped = false;
  const error = await closed;
  t.equal(error, null, 'no reset');
  t.match(answer.split('\r\n')[0], /^HTTP\/1\.1 200 /, 'the service root, answered');
});
