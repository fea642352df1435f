// OpenIPMI's ipmi_sim (Debian package openipmi), the reference BMC the benchmarks compare against: one
// process per BMC, configured as in shared/PEERS.md, each on its own loopback address.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EMU = 'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nsel_enable 0x20 1000 0x0a\nmc_enable 0x20\n';

function lanConf(ip: string, port: number): string {
  return `name "ref"\nset_working_mc 0x20\n  startlan 1\n    addr ${ip} ${port}\n    priv_limit admin\n` +
    '    allowed_auths_admin none md2 md5 straight\n    guid a123456789abcdefa123456789abcdef\n  endlan\n' +
    '  user 2 true "admin" "password" admin 10 none md2 md5 straight\n';
}

export interface IpmiSimFleet { pids: number[]; stop(): Promise<void> }

/** Starts one ipmi_sim per address (no persistence, no console). Readiness is the caller's to check (ping). */
export function startIpmiSims(addresses: readonly string[], port: number): IpmiSimFleet {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-ipmisim-'));
  writeFileSync(join(dir, 'sim.emu'), EMU);
  const children: ChildProcess[] = addresses.map((ip, i) => {
    const conf = join(dir, `lan-${i}.conf`);
    const state = join(dir, `state-${i}`);
    mkdirSync(state);
    writeFileSync(conf, lanConf(ip, port));
    return spawn('ipmi_sim', ['-c', conf, '-f', join(dir, 'sim.emu'), '-n', '-s', state], { stdio: 'ignore' });
  });
  return {
    pids: children.map((c) => c.pid!).filter(Boolean),
    stop: () => Promise.all(children.map((c) => new Promise<void>((r) => {
      if (c.exitCode !== null || c.signalCode !== null) return r();
      c.once('exit', () => r());
      c.kill('SIGTERM');
    }))).then(() => undefined),
  };
}
