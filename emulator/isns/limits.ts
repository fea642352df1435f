// Every bound of the iSNS server, with its default, in one place, so that no single client can exhaust the
// server (issue 17). `bmcfleet isns serve` offers each as an option (--max-connections-per-source N, ...) and
// prints this table in its help. Sizes are bytes, times ms, registration periods seconds (RFC 4171 §6.2.6).
// "Source" is the client's address as the socket sees it (an IPv6 address counts by its /64: source.ts).

export interface LimitSpec {
  default: number;
  /** The smallest and largest value the command line accepts. */
  min: number;
  max: number;
  about: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Bounds of the transports: connections, bytes held per connection and in all, timeouts. */
export const SERVER_LIMITS = {
  maxConnections: { default: 1024, min: 1, max: 100_000, about: 'TCP connections open at once; more are closed at once' },
  maxConnectionsPerSource: { default: 128, min: 1, max: 100_000, about: 'TCP connections open at once from one source' },
  idleTimeoutMs: {
    default: 300_000, min: 0, max: 2 ** 31 - 1,
    about: 'a connection that completes no message for this long is closed (0: never); bytes of a half-finished message do not count',
  },
  maxOutputBytes: {
    default: 256 * KiB, min: 64 * KiB, max: 1024 * MiB,
    about: 'answers waiting to be sent on one connection; past it the server stops reading from that connection until they drain',
  },
  maxMessageBytes: { default: MiB, min: 1024, max: 64 * MiB, about: 'one message after reassembly; larger ones get status 2' },
  maxPduBytes: { default: 12 + 0xffff + 4096, min: 1024, max: 64 * MiB, about: 'one PDU on a stream; a larger one gets status 2 and ends the connection' },
  maxPartialMessages: { default: 8, min: 1, max: 1024, about: 'messages half-received (multi-PDU) at once per connection or UDP peer' },
  reassemblyBudgetBytes: {
    default: 32 * MiB, min: 64 * KiB, max: 16 * 1024 * MiB,
    about: 'bytes of half-received messages held for all connections and UDP peers together; past it the oldest is dropped',
  },
  reassemblyTimeoutMs: { default: 30_000, min: 1000, max: 3_600_000, about: 'how long a half-received message waits for its other PDUs' },
  maxUdpPeers: { default: 1024, min: 1, max: 1_000_000, about: 'UDP peers (address and port) with half-received messages; one more drops the oldest' },
  udpAnswerFactor: {
    default: 3, min: 1, max: 1000,
    about: 'a UDP answer is at most this many times the size of its question (the source address is not verified); larger answers only over TCP',
  },
} as const satisfies Record<string, LimitSpec>;

/** Bounds of the database: what the registry holds in all, per source and per entity, and for how long. */
export const REGISTRY_LIMITS = {
  maxEntities: { default: 100_000, min: 1, max: 10_000_000, about: 'entities in the registry' },
  maxEntitiesPerSource: { default: 10_000, min: 1, max: 10_000_000, about: 'entities registered from one source' },
  maxObjects: { default: 1_000_000, min: 1, max: 100_000_000, about: 'storage nodes, portals and portal groups in the registry' },
  maxObjectsPerSource: { default: 100_000, min: 1, max: 100_000_000, about: 'storage nodes, portals and portal groups in the entities of one source' },
  maxObjectsPerEntity: {
    default: 4096, min: 2, max: 1_000_000,
    about: 'storage nodes, portals and portal groups in one entity (each node x portal pair is a portal group); more get status 3',
  },
  maxDiscoveryDomains: { default: 10_000, min: 1, max: 1_000_000, about: 'discovery domains (and, as many, DD sets)' },
  maxRegistrationPeriod: {
    default: 86_400, min: 0, max: 0xffffffff,
    about: 'longest registration period granted, in seconds; a request for 0 ("never expires") gets this too (0: no cap, and 0 is granted)',
  },
} as const satisfies Record<string, LimitSpec>;

export type ServerLimits = { [K in keyof typeof SERVER_LIMITS]: number };
export type RegistryLimits = { [K in keyof typeof REGISTRY_LIMITS]: number };

function defaults<T extends Record<string, LimitSpec>>(table: T): { [K in keyof T]: number } {
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [k, v.default])) as { [K in keyof T]: number };
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = defaults(SERVER_LIMITS);
export const DEFAULT_REGISTRY_LIMITS: RegistryLimits = defaults(REGISTRY_LIMITS);
