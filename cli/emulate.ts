// bmcfleet emulate: run N emulated BMCs on consecutive loopback addresses until SIGINT/SIGTERM.
import { integer, parse, str } from './args.js';
import { startFleet } from '../emulator/fleet.js';
import { parseIpv4 } from '../emulator/net/ipv4.js';

const HELP = `usage: bmcfleet emulate [--bmcs N] [--first-ip A] [--ipmi-port P] [--user U] [--password W]

Runs N emulated BMCs, each on its own IPv4 address (A, A+1, ...) and UDP port P, speaking
RMCP, IPMI 1.5 and RMCP+ (IPMI 2.0) to real clients such as ipmitool. Prints one line starting
with "ready" once every BMC is serving; stops cleanly on Ctrl-C (SIGINT) or SIGTERM.

options:
  --bmcs N           how many BMCs (default 4)
  --first-ip A       address of the first BMC (default 127.1.0.1; any 127.x.y.z works on Linux
                     without configuration)
  --ipmi-port P      UDP port of every BMC (default 623, the IPMI port: binding it needs root;
                     use e.g. 9623 otherwise)
  --user U           administrator user name on every BMC (default admin)
  --password W       its password (default "password"; or set BMCFLEET_PASSWORD)
  --allow-cipher-0   also offer cipher suite 0 (no authentication at all); off by default
  --max-sessions N   session table size per BMC (default 32)
  -h, --help         this help

example:
  bmcfleet emulate --bmcs 100 --first-ip 127.1.0.1
  ipmitool -I lanplus -H 127.1.0.7 -U admin -P password chassis power status
`;

export const emulateCommand = {
  summary: 'run a fleet of emulated BMCs (RMCP/RMCP+ on UDP)',
  async run(argv: string[]): Promise<number> {
    const { values } = parse(argv, {
      bmcs: { type: 'string' },
      'first-ip': { type: 'string' },
      'ipmi-port': { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      'allow-cipher-0': { type: 'boolean' },
      'max-sessions': { type: 'string' },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const count = integer(str(values, 'bmcs'), 'bmcs', 4, 1, 1_000_000);
    const port = integer(str(values, 'ipmi-port'), 'ipmi-port', 623, 1, 65535);
    const firstIp = str(values, 'first-ip') ?? '127.1.0.1';
    parseIpv4(firstIp);
    const user = str(values, 'user') ?? 'admin';
    const password = str(values, 'password') ?? process.env.BMCFLEET_PASSWORD ?? 'password';
    const fleet = await startFleet({
      count, firstIp, ipmiPort: port,
      bmc: {
        users: [{ name: user, password, privilege: 4 }],
        allowCipherSuite0: values['allow-cipher-0'] === true,
        maxSessions: integer(str(values, 'max-sessions'), 'max-sessions', 32, 1, 255),
      },
    });
    const last = fleet.addresses[fleet.addresses.length - 1];
    process.stdout.write(`ready: ${count} BMC${count === 1 ? '' : 's'} on ${fleet.addresses[0]}${count > 1 ? `-${last}` : ''} udp/${port}\n`);
    process.stdout.write(`  try: ipmitool -I lanplus -H ${fleet.addresses[0]}${port === 623 ? '' : ` -p ${port}`} -U ${user} -P <password> chassis status\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await fleet.close();
    process.stdout.write('stopped\n');
    return 0;
  },
};
