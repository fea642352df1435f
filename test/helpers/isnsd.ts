// The reference iSNS server, open-isns isnsd (Debian package open-isns-server), configured as in
// shared/PEERS.md (no security, no SLP, default discovery domain, 10 minute registration period, SCN answers
// awaited 2 s), in memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IsnsClient } from '../../clients/isns/isns-client.js';

/**
 * Starts isnsd on `at` with its config, PID file and control socket in `dir`; resolves once it takes connections.
 * `sourceName`: the server's own iSCSI name (isnsd.conf SourceName; what it takes from /etc/iscsi/initiatorname.iscsi
 * when that file exists), which it then sends as the Source of its SCNs and ESIs.
 */
export async function startIsnsd(dir: string, at: { host: string; port: number }, sourceName?: string): Promise<ChildProcess> {
  const conf = join(dir, 'isnsd.conf');
  writeFileSync(conf, [
    `BindAddress = ${at.host}:${at.port}`, 'Security = 0', 'SLPRegister = 0', 'DefaultDiscoveryDomain = 1', 'RegistrationPeriod = 10m',
    // isnsd holds one SCN in flight per node and waits SCNTimeout (60 s by default) for its answer; when the
    // node's entity changes meanwhile it drops the SCN connection, and with it the answer (scn.c), so on a
    // loaded machine the next SCNs waited a minute. 2 s makes it resend instead.
    'SCNTimeout = 2',
    ...(sourceName ? [`SourceName = ${sourceName}`] : []),
    `PIDFile = ${join(dir, 'isnsd.pid')}`, `ControlSocket = ${join(dir, 'isnsd.sock')}`, '',
  ].join('\n'));
  const child = spawn('isnsd', ['-4', '-c', conf, '-f'], { stdio: 'ignore' });
  // isnsd prints nothing when ready: try to connect until it accepts (a connection alone changes no state).
  for (let i = 0; i < 50; i++) {
    try {
      const c = await IsnsClient.connect({ ...at, source: 'iqn.2026-11.org.bmcfleet:probe', timeoutMs: 1000 });
      await c.close();
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill('SIGTERM');
  throw new Error(`isnsd did not start on ${at.host}:${at.port}`);
}
