// Runs the real FreeIPMI bmc-info (Debian freeipmi-tools) against an emulated BMC over IPMI 2.0 / RMCP+.
import { execFile } from 'node:child_process';
import type { IpmitoolResult, Target } from './ipmitool.js';

/**
 * `bmc-info -h HOST:PORT -D LAN_2_0 -u USER -p PASSWORD [-I SUITE] ARGS`. FreeIPMI's options are not ipmitool's:
 * the port goes with the host, -I is the cipher suite, and --config-file=/dev/null keeps the machine's
 * /etc/freeipmi/freeipmi.conf (workarounds, defaults) out of the test.
 */
export function bmcInfo(target: Target, args: string[] = [], opts: { cipher?: number; timeoutMs?: number } = {}): Promise<IpmitoolResult> {
  const base = ['-h', `${target.host}:${target.port}`, '-D', 'LAN_2_0', '-u', target.user ?? 'admin', '-p', target.password ?? 'password',
    '--config-file=/dev/null'];
  if (opts.cipher !== undefined) base.push('-I', String(opts.cipher));
  const started = Date.now();
  return new Promise((resolve) => {
    execFile('bmc-info', [...base, ...args], { timeout: opts.timeoutMs ?? 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? (err as unknown as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}
