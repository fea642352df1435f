// bmcfleet provision run and status (issue 14, steps 4-5): they ask `bmcfleet manager serve`, which runs the installs
// and keeps each host's state in its database, so a manager killed and started again goes on where it was.
import { integer, str, UsageError, type Values } from './args.js';
import { ApiError } from './api-client.js';
import { ManagerClient } from './manager-client.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { plural } from '../runtime/plural.js';

interface HostView {
  address: string;
  stage: string;
  product: string | null;
  install: null | {
    role: string; image: string; step: string; phase: string | null; percent: number | null; message: string | null; failure: string | null;
  };
}

const FINAL = ['done', 'failed'];
const WAIT_POLL_MS = 2000;

export async function runCommand(values: Values): Promise<number> {
  const role = str(values, 'role');
  if (role === undefined) throw new UsageError('--role R is required: a role of the manager\'s policy');
  if (str(values, 'count') === undefined) throw new UsageError('--count K is required: how many hosts to install');
  const count = integer(str(values, 'count'), 'count', 1, 1, 100_000);
  const manager = new ManagerClient(values);
  let started: { role: string; image: string; hosts: string[] };
  try {
    started = await manager.call('POST', '/provision/runs', { role, count });
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      const notPicked = (err.body as { notPicked?: { address: string; reason: string }[] }).notPicked ?? [];
      process.stderr.write(`bmcfleet provision run: ${err.message}\n${notPicked.map((h) => `  ${h.address.padEnd(15)} ${h.reason}\n`).join('')}`);
      return 1;
    }
    throw err;
  }
  if (!values.wait) {
    process.stdout.write(values.json ? `${JSON.stringify(started)}\n`
      : `installing ${started.role} (${started.image}) on ${started.hosts.join(' ')}\n(bmcfleet provision status follows them)\n`);
    return 0;
  }
  if (!values.json) process.stdout.write(`installing ${started.role} (${started.image}) on ${plural(started.hosts.length, 'host')}\n`);
  const ours = new Set(started.hosts);
  const shown = new Map<string, string>();
  for (;;) {
    const hosts = (await manager.call<{ hosts: HostView[] }>('GET', '/provision/hosts')).hosts.filter((h) => ours.has(h.address));
    if (!values.json) {
      for (const h of hosts) {
        const line = hostLine(h);
        if (shown.get(h.address) !== line) process.stdout.write(`${line}\n`);
        shown.set(h.address, line);
      }
    }
    if (hosts.every((h) => h.install !== null && FINAL.includes(h.install.step))) {
      if (values.json) process.stdout.write(`${JSON.stringify({ ...started, hosts })}\n`);
      return hosts.some((h) => h.install!.step === 'failed') ? 1 : 0;
    }
    await sleep(WAIT_POLL_MS); // a timer that keeps the process alive (the system clock's do not)
  }
}

export async function statusCommand(values: Values): Promise<number> {
  const hosts = (await new ManagerClient(values).call<{ hosts: HostView[] }>('GET', '/provision/hosts')).hosts;
  process.stdout.write(values.json ? `${JSON.stringify({ hosts })}\n` : `${hosts.map(hostLine).join('\n')}${hosts.length ? '\n' : 'no hosts yet\n'}`);
  return 0;
}

function hostLine(h: HostView): string {
  const i = h.install;
  if (i === null) return `${h.address.padEnd(15)} ${h.stage}`;
  const agent = i.phase === null ? '' : ` ${i.phase} ${i.percent}%${i.message ? `: ${i.message}` : ''}`;
  const why = i.failure === null ? '' : ` (${i.failure})`;
  return `${h.address.padEnd(15)} ${i.role} ${i.step}${i.step === 'installing' ? agent : ''}${why}`;
}
