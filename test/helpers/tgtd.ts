// The real tgtd (Debian tgt 1.0.85, PEERS.md) serving one target with one LUN file on a loopback portal, for
// conformance tests. Its control socket is /var/run/tgtd/socket.N: each instance takes its own N.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

export interface Tgtd {
  readonly iqn: string;
  stop(): Promise<void>;
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tgtadm(control: number, args: string[]): { status: number | null; output: string } {
  const r = spawnSync('tgtadm', ['-C', String(control), ...args], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * Starts tgtd on host:port with target `iqn`, LUN 1 backed by `image`, open to every initiator; registered with `isns`
 * when given; with `chap`, an incoming account bound to the target (tgtadm --mode account), so logins need CHAP, and
 * with `chap.mutual` an outgoing one (--outgoing): the target proves it to initiators that ask (mutual CHAP).
 */
export async function startTgtd(host: string, port: number, iqn: string, image: string, isns?: { host: string; port: number },
  chap?: { name: string; secret: string; mutual?: { name: string; secret: string } }): Promise<Tgtd> {
  const control = 100 + (process.pid % 800);
  const child: ChildProcess = spawn('tgtd', ['-f', '-C', String(control), '--iscsi', `portal=${host}:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (c: Buffer) => { log += c.toString(); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // tgtd ignores SIGTERM while it has targets; killed, it leaves its control socket and lock file behind
  const stop = async () => {
    child.kill('SIGKILL');
    await exited;
    for (const f of [`/var/run/tgtd/socket.${control}`, `/var/run/tgtd/socket.${control}.lock`]) rmSync(f, { force: true });
  };
  try {
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      await tick(50);
      ready = tgtadm(control, ['--op', 'show', '--mode', 'sys']).status === 0;
    }
    if (!ready) throw new Error(`tgtd did not start:\n${log}`);
    const isnsSettings = isns ? [['iSNSServerIP', isns.host], ['iSNSServerPort', String(isns.port)], ['iSNS', 'On']] : [];
    for (const args of [
      ...isnsSettings.map(([name, value]) => ['--op', 'update', '--mode', 'sys', '--name', name, '-v', value]),
      ['--lld', 'iscsi', '--op', 'new', '--mode', 'target', '--tid', '1', '-T', iqn],
      ['--lld', 'iscsi', '--op', 'new', '--mode', 'logicalunit', '--tid', '1', '--lun', '1', '-b', image],
      ['--lld', 'iscsi', '--op', 'bind', '--mode', 'target', '--tid', '1', '-I', 'ALL'],
      ...(chap ? [
        ['--lld', 'iscsi', '--op', 'new', '--mode', 'account', '--user', chap.name, '--password', chap.secret],
        ['--lld', 'iscsi', '--op', 'bind', '--mode', 'account', '--tid', '1', '--user', chap.name],
      ] : []),
      ...(chap?.mutual ? [
        ['--lld', 'iscsi', '--op', 'new', '--mode', 'account', '--user', chap.mutual.name, '--password', chap.mutual.secret],
        ['--lld', 'iscsi', '--op', 'bind', '--mode', 'account', '--tid', '1', '--user', chap.mutual.name, '--outgoing'],
      ] : []),
    ]) {
      const r = tgtadm(control, args);
      if (r.status !== 0) throw new Error(`tgtadm ${args.join(' ')}: ${r.output}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { iqn, stop };
}
