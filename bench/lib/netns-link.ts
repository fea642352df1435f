// The congestion bench's "link" network (issue 12): the manager in its own network namespace, joined to the RMCs'
// namespace (this one) by a veth pair whose egress is shaped with tc, so replies queue and drop as they would at
// a switch port on a management network. Needs root and iproute2 (`ip`, `tc`); createLink says why when it can't.
//
// The RMCs sit on 127.x.y.z, which Linux treats as martian off the loopback device: route_localnet on both ends
// lets such packets cross the veth, and the manager's namespace routes 127.0.0.0/8 (all but its own 127.0.0.1)
// through the link. The manager broadcasts to the link's subnet broadcast address, which every socket bound to
// 0.0.0.0 on the port here receives, as 127.255.255.255 does on loopback.
import { execFileSync } from 'node:child_process';

export interface LinkShape {
  /** tbf rate, as tc reads it. Default '100mbit'. */
  rate?: string;
  /** tbf bucket. Default '16kb'. */
  burst?: string;
  /** tbf queue: what the "switch port" holds before it drops. Default '256kb' (about 20 ms at 100 Mbit/s). */
  limit?: string;
}

export interface Link {
  namespace: string;
  /** The manager's address on the link (bind its socket there). */
  managerAddress: string;
  /** The link subnet's broadcast address: the Prepare goes there. */
  broadcastAddress: string;
  /** The argv prefix that runs a command in the manager's namespace. */
  exec: string[];
  /** The tc line of each shaped direction, for the report. */
  shape: string;
  /** Packets the shaped queues dropped so far (both directions; `tc -s qdisc`). */
  qdiscDrops(): number;
  /** Deletes the namespace (which deletes the veth pair). */
  remove(): void;
}

function run(args: string[]): string {
  return execFileSync(args[0], args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The sum of "dropped N" over the qdiscs of `dev` (in `netns`, or here). */
function droppedOn(dev: string, netns: string | null): number {
  const out = run([...(netns ? ['ip', 'netns', 'exec', netns] : []), 'tc', '-s', 'qdisc', 'show', 'dev', dev]);
  let n = 0;
  for (const m of out.matchAll(/dropped (\d+)/g)) n += Number(m[1]);
  return n;
}

/** Sets the link up; `unavailable` says why not (not root, no iproute2, no namespaces...), and nothing is left behind. */
export function createLink(shape: LinkShape = {}): { link: Link } | { unavailable: string } {
  // Names and subnet from the pid, so two runs at once do not meet; interface names stay within 15 bytes.
  const tag = process.pid % 100_000;
  const namespace = `bmcfleet-cong-${tag}`;
  const [rmcSide, managerSide] = [`bfc${tag}r`, `bfc${tag}m`];
  const subnet = `10.203.${process.pid % 250}`;
  const managerAddress = `${subnet}.2`;
  const tbf = ['tbf', 'rate', shape.rate ?? '100mbit', 'burst', shape.burst ?? '16kb', 'limit', shape.limit ?? '256kb'];
  const inNs = ['ip', 'netns', 'exec', namespace];
  const remove = () => { try { run(['ip', 'netns', 'del', namespace]); } catch { /* gone already */ } };
  try {
    run(['ip', 'netns', 'add', namespace]);
  } catch (err) {
    return { unavailable: `cannot create a network namespace (ip netns add: ${(err as Error).message.split('\n')[0]}); root and iproute2 are needed` };
  }
  try {
    run(['ip', 'link', 'add', rmcSide, 'type', 'veth', 'peer', 'name', managerSide]);
    run(['ip', 'link', 'set', managerSide, 'netns', namespace]);
    run(['ip', 'addr', 'add', `${subnet}.1/24`, 'dev', rmcSide]);
    run(['ip', 'link', 'set', rmcSide, 'up']);
    run(['sysctl', '-qw', `net.ipv4.conf.${rmcSide}.route_localnet=1`, `net.ipv4.conf.${rmcSide}.rp_filter=0`]);
    run(['tc', 'qdisc', 'add', 'dev', rmcSide, 'root', ...tbf]);
    run([...inNs, 'ip', 'link', 'set', 'lo', 'up']);
    run([...inNs, 'ip', 'addr', 'add', `${managerAddress}/24`, 'dev', managerSide]);
    run([...inNs, 'ip', 'link', 'set', managerSide, 'up']);
    run([...inNs, 'sysctl', '-qw', 'net.ipv4.conf.all.route_localnet=1', 'net.ipv4.conf.all.rp_filter=0',
      `net.ipv4.conf.${managerSide}.route_localnet=1`, `net.ipv4.conf.${managerSide}.rp_filter=0`]);
    // 127/8 leaves through the link; the namespace keeps 127.0.0.1 (its lo address) for itself.
    run([...inNs, 'ip', 'route', 'del', 'local', '127.0.0.0/8', 'dev', 'lo', 'table', 'local']);
    run([...inNs, 'ip', 'route', 'add', '127.0.0.0/8', 'via', `${subnet}.1`, 'dev', managerSide, 'src', managerAddress]);
    run([...inNs, 'tc', 'qdisc', 'add', 'dev', managerSide, 'root', ...tbf]);
    // Static neighbours, as on a switched network whose ARP caches are warm: otherwise the first burst waits on ARP
    // and the kernel holds only a few packets meanwhile (unres_qlen), so a run would measure address resolution.
    const macOf = (dev: string, ns: string[]) => run([...ns, 'cat', `/sys/class/net/${dev}/address`]).trim();
    run(['ip', 'neigh', 'replace', managerAddress, 'lladdr', macOf(managerSide, inNs), 'dev', rmcSide, 'nud', 'permanent']);
    run([...inNs, 'ip', 'neigh', 'replace', `${subnet}.1`, 'lladdr', macOf(rmcSide, []), 'dev', managerSide, 'nud', 'permanent']);
  } catch (err) {
    remove();
    return { unavailable: `cannot set up the veth link (${(err as Error).message.split('\n')[0]})` };
  }
  return {
    link: {
      namespace, managerAddress, broadcastAddress: `${subnet}.255`, exec: inNs, shape: tbf.join(' '),
      qdiscDrops: () => droppedOn(rmcSide, null) + droppedOn(managerSide, namespace),
      remove,
    },
  };
}
