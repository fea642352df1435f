// Runs the real ipmitool against an emulated BMC and returns what it printed.
import { execFile } from 'node:child_process';

export interface IpmitoolResult { code: number; stdout: string; stderr: string; ms: number }

export interface Target { host: string; port: number; user?: string; password?: string }

export function ipmitool(target: Target, args: string[], opts: { iface?: 'lan' | 'lanplus'; cipher?: number; timeoutMs?: number } = {}): Promise<IpmitoolResult> {
  const base = ['-I', opts.iface ?? 'lanplus', '-H', target.host, '-p', String(target.port), '-U', target.user ?? 'admin', '-P', target.password ?? 'password'];
  if (opts.cipher !== undefined) base.push('-C', String(opts.cipher));
  if (opts.iface === 'lan') base.push('-A', 'MD5');
  const started = Date.now();
  return new Promise((resolve) => {
    execFile('ipmitool', [...base, ...args], { timeout: opts.timeoutMs ?? 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? (err as unknown as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}
