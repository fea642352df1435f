// Prometheus metrics for the whole fleet, per shard: each scrape asks every shard for its counters.
import { Counter, Gauge, Registry } from 'prom-client';
import { UNKNOWN_COMMAND } from '../bmc/counters.js';
import type { ShardRouter } from './control/route.js';
import { BMC, type BmcRequest, type ShardCounters } from './nodes/bmc-requests.js';

export function fleetMetrics(supervisor: ShardRouter): Registry {
  const registry = new Registry();
  let snapshot: Promise<ShardCounters[]> | null = null;
  // One IPC round per scrape, shared by every metric's collect().
  const counters = () => {
    snapshot ??= (supervisor.callAll(BMC, { op: 'counters' } satisfies BmcRequest) as Promise<ShardCounters[]>).finally(() => {
      setImmediate(() => { snapshot = null; });
    });
    return snapshot;
  };
  const perShard = (name: string, help: string, type: 'counter' | 'gauge', pick: (c: ShardCounters) => number) => {
    const Metric = type === 'counter' ? Counter : Gauge;
    new Metric({
      name, help, labelNames: ['shard'], registers: [registry],
      async collect(this: Counter | Gauge) {
        this.reset();
        for (const c of await counters()) (this as Gauge).inc({ shard: String(c.shard) }, pick(c));
      },
    });
  };
  perShard('bmcfleet_bmcs', 'Emulated BMCs served', 'gauge', (c) => c.bmcs);
  perShard('bmcfleet_sessions_open', 'IPMI sessions in the BMCs\' session tables (any state)', 'gauge', (c) => c.sessions);
  perShard('bmcfleet_datagrams_received_total', 'UDP datagrams that reached a BMC', 'counter', (c) => c.datagramsIn);
  perShard('bmcfleet_datagrams_sent_total', 'UDP datagrams a BMC answered with', 'counter', (c) => c.datagramsOut);
  perShard('bmcfleet_sol_activations_total', 'SOL payload activations (IPMI 2.0 §24.1)', 'counter', (c) => c.sol.activations);
  perShard('bmcfleet_sol_characters_to_host_total', 'Characters SOL consoles typed to the hosts', 'counter', (c) => c.sol.charactersToHost);
  new Counter({
    name: 'bmcfleet_sol_packets_total', help: 'SOL payload packets (IPMI 2.0 §15.9) of running instances, by direction (in: well-formed, from the console; out: sent to it). Malformed, held-back and fault-lost packets count only as drops',
    labelNames: ['shard', 'direction'], registers: [registry],
    async collect() {
      this.reset();
      for (const c of await counters()) {
        this.inc({ shard: String(c.shard), direction: 'in' }, c.sol.packetsIn);
        this.inc({ shard: String(c.shard), direction: 'out' }, c.sol.packetsOut);
      }
    },
  });
  new Counter({
    name: 'bmcfleet_ipmi_requests_total',
    help: 'IPMI requests dispatched to a command handler, by command and completion code; those answered Invalid Command (C1h) in one series, netfn and cmd "unknown"',
    labelNames: ['shard', 'netfn', 'cmd', 'cc'], registers: [registry],
    async collect() {
      this.reset();
      for (const c of await counters()) {
        for (const [key, n] of Object.entries(c.requests)) {
          const shard = String(c.shard);
          if (key === UNKNOWN_COMMAND) {
            this.inc({ shard, netfn: UNKNOWN_COMMAND, cmd: UNKNOWN_COMMAND, cc: '0xc1' }, n);
            continue;
          }
          const [netfn, cmd, cc] = key.split('/');
          this.inc({ shard, netfn: `0x${netfn}`, cmd: `0x${cmd}`, cc: `0x${cc}` }, n);
        }
      }
    },
  });
  new Counter({
    name: 'bmcfleet_drops_total', help: 'Datagrams dropped without an answer, by reason (malformed, replay, fault-lost, sol-malformed, sol-orphan, sol-while-busy, ...)',
    labelNames: ['shard', 'reason'], registers: [registry],
    async collect() {
      this.reset();
      for (const c of await counters()) {
        for (const [reason, n] of Object.entries(c.drops)) this.inc({ shard: String(c.shard), reason }, n);
      }
    },
  });
  const media = (name: string, help: string, type: 'counter' | 'gauge', pick: (m: NonNullable<ShardCounters['media']>) => number) =>
    perShard(name, help, type, (c) => (c.media ? pick(c.media) : 0));
  media('bmcfleet_usbip_connections_open', 'USB/IP connections to the BMCs\' virtual media', 'gauge', (m) => m.usbip.connectionsOpen);
  media('bmcfleet_usbip_imports_total', 'USB/IP imports granted (a host attached a drive)', 'counter', (m) => m.usbip.imports);
  media('bmcfleet_usbip_urbs_total', 'USB/IP URBs submitted to the drives', 'counter', (m) => m.usbip.urbs);
  media('bmcfleet_media_backing_bytes_read_total', 'Bytes read from virtual-media images (files, HTTP) into the block cache', 'counter', (m) => m.cache.backingBytesRead);
  media('bmcfleet_media_cache_bytes', 'Bytes the block cache holds', 'gauge', (m) => m.cache.bytes);
  media('bmcfleet_media_cache_hits_total', 'Block-cache reads answered from memory', 'counter', (m) => m.cache.hits);
  media('bmcfleet_media_cache_misses_total', 'Block-cache reads that went to the image', 'counter', (m) => m.cache.misses);
  media('bmcfleet_media_open_images', 'Images open for at least one drive', 'gauge', (m) => m.openImages);
  media('bmcfleet_media_overlay_bytes', 'Bytes the hosts\' disk writes hold in copy-on-write overlays', 'gauge', (m) => m.overlayBytes);
  new Counter({
    name: 'bmcfleet_usbip_drops_total', help: 'USB/IP connections closed or messages refused, by reason', labelNames: ['shard', 'reason'], registers: [registry],
    async collect() {
      this.reset();
      for (const c of await counters()) {
        for (const [reason, n] of Object.entries(c.media?.usbip.drops ?? {})) this.inc({ shard: String(c.shard), reason }, n);
      }
    },
  });
  new Counter({
    name: 'bmcfleet_shard_restarts_total', help: 'Times a shard process died and was restarted', labelNames: ['shard'], registers: [registry],
    collect() {
      this.reset();
      for (const s of supervisor.status()) this.inc({ shard: String(s.shard) }, s.restarts);
    },
  });
  return registry;
}
