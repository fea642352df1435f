// iSNS attribute tags and their value types — RFC 4171 §6.1 (Table: iSNS Attributes), with the
// vendor-specific ranges of §6.1 (this project's vendor-specific LUN attributes are in vendor-lun.ts).
//
// Value kinds (how the bytes of a non-empty value are read; any attribute may also be sent with length 0,
// which in a query means "return this attribute" and in a registration means "no value"):
//   nil     the delimiter: always length 0
//   string  UTF-8, NUL-terminated, zero-padded to a multiple of 4 (§5.3.1 4-byte alignment)
//   u32     4-byte unsigned integer
//   u64     8-byte unsigned integer (timestamps are seconds since 1970-01-01, §6.2.4)
//   ip      16-byte IPv6 address; IPv4 as ::ffff:a.b.c.d (see ip-address.ts)
//   port    4 bytes: bits 0-14 reserved, bit 15 = UDP (1) / TCP (0), bits 16-31 port (§6.3.2)
//   range16 4 bytes: bits 0-15 maximum, bits 16-31 minimum protocol version (§6.2.5)
//   opaque  bytes as they are (certificates, ISAKMP payloads, FC-4 bitmaps, unknown tags)

export type ValueKind = 'nil' | 'string' | 'u32' | 'u64' | 'ip' | 'port' | 'range16' | 'opaque';

export const Tag = {
  DELIMITER: 0,
  // Network Entity (§6.2)
  ENTITY_IDENTIFIER: 1,
  ENTITY_PROTOCOL: 2,
  MGMT_IP_ADDRESS: 3,
  TIMESTAMP: 4,
  PROTOCOL_VERSION_RANGE: 5,
  REGISTRATION_PERIOD: 6,
  ENTITY_INDEX: 7,
  ENTITY_NEXT_INDEX: 8,
  ENTITY_ISAKMP_PHASE1: 11,
  ENTITY_CERTIFICATE: 12,
  // Portal (§6.3)
  PORTAL_IP_ADDRESS: 16,
  PORTAL_PORT: 17,
  PORTAL_SYMBOLIC_NAME: 18,
  ESI_INTERVAL: 19,
  ESI_PORT: 20,
  PORTAL_INDEX: 22,
  SCN_PORT: 23,
  PORTAL_NEXT_INDEX: 24,
  PORTAL_SECURITY_BITMAP: 27,
  PORTAL_ISAKMP_PHASE1: 28,
  PORTAL_ISAKMP_PHASE2: 29,
  PORTAL_CERTIFICATE: 31,
  // iSCSI Node (§6.4)
  ISCSI_NAME: 32,
  ISCSI_NODE_TYPE: 33,
  ISCSI_ALIAS: 34,
  ISCSI_SCN_BITMAP: 35,
  ISCSI_NODE_INDEX: 36,
  WWNN_TOKEN: 37,
  ISCSI_NODE_NEXT_INDEX: 38,
  ISCSI_AUTH_METHOD: 42,
  // Portal Group (§6.5)
  PG_ISCSI_NAME: 48,
  PG_PORTAL_IP_ADDR: 49,
  PG_PORTAL_PORT: 50,
  PG_TAG: 51,
  PG_INDEX: 52,
  PG_NEXT_INDEX: 53,
  // FC Port (§6.6)
  FC_PORT_NAME_WWPN: 64,
  PORT_ID: 65,
  FC_PORT_TYPE: 66,
  SYMBOLIC_PORT_NAME: 67,
  FABRIC_PORT_NAME: 68,
  HARD_ADDRESS: 69,
  PORT_IP_ADDRESS: 70,
  CLASS_OF_SERVICE: 71,
  FC4_TYPES: 72,
  FC4_DESCRIPTOR: 73,
  FC4_FEATURES: 74,
  IFCP_SCN_BITMAP: 75,
  PORT_ROLE: 76,
  PERMANENT_PORT_NAME: 77,
  FC4_TYPE_CODE: 95,
  // FC Node (§6.7)
  FC_NODE_NAME_WWNN: 96,
  SYMBOLIC_NODE_NAME: 97,
  NODE_IP_ADDRESS: 98,
  NODE_IPA: 99,
  PROXY_ISCSI_NAME: 101,
  // Other (§6.8, §6.9)
  SWITCH_NAME: 128,
  PREFERRED_ID: 129,
  ASSIGNED_ID: 130,
  VIRTUAL_FABRIC_ID: 131,
  VENDOR_OUI: 256,
  // Discovery Domain Set (§6.11.1)
  DD_SET_ID: 2049,
  DD_SET_SYMBOLIC_NAME: 2050,
  DD_SET_STATUS: 2051,
  DD_SET_NEXT_ID: 2052,
  // Discovery Domain (§6.11.2)
  DD_ID: 2065,
  DD_SYMBOLIC_NAME: 2066,
  DD_MEMBER_ISCSI_INDEX: 2067,
  DD_MEMBER_ISCSI_NAME: 2068,
  DD_MEMBER_FC_PORT_NAME: 2069,
  DD_MEMBER_PORTAL_INDEX: 2070,
  DD_MEMBER_PORTAL_IP_ADDR: 2071,
  DD_MEMBER_PORTAL_PORT: 2072,
  DD_FEATURES: 2078,
  DD_NEXT_ID: 2079,
} as const;

export interface TagInfo {
  name: string;
  kind: ValueKind;
  /** Largest value length in bytes (NUL and padding included) the RFC allows, for variable-length kinds. */
  maxLength?: number;
  /** Fixed length of an opaque value, where the RFC fixes one. */
  fixedLength?: number;
}

const info = (name: string, kind: ValueKind, extra: Partial<TagInfo> = {}): TagInfo => ({ name, kind, ...extra });

/** The RFC 4171 §6.1 table: tag -> name, kind, lengths. */
export const TAGS: ReadonlyMap<number, TagInfo> = new Map<number, TagInfo>([
  [0, info('Delimiter', 'nil')],
  [1, info('Entity Identifier', 'string', { maxLength: 256 })],
  [2, info('Entity Protocol', 'u32')],
  [3, info('Management IP Address', 'ip')],
  [4, info('Timestamp', 'u64')],
  [5, info('Protocol Version Range', 'range16')],
  [6, info('Registration Period', 'u32')],
  [7, info('Entity Index', 'u32')],
  [8, info('Entity Next Index', 'u32')],
  [11, info('Entity ISAKMP Phase-1', 'opaque')],
  [12, info('Entity Certificate', 'opaque')],
  [16, info('Portal IP Address', 'ip')],
  [17, info('Portal TCP/UDP Port', 'port')],
  [18, info('Portal Symbolic Name', 'string', { maxLength: 256 })],
  [19, info('ESI Interval', 'u32')],
  [20, info('ESI Port', 'port')],
  [22, info('Portal Index', 'u32')],
  [23, info('SCN Port', 'port')],
  [24, info('Portal Next Index', 'u32')],
  [27, info('Portal Security Bitmap', 'u32')],
  [28, info('Portal ISAKMP Phase-1', 'opaque')],
  [29, info('Portal ISAKMP Phase-2', 'opaque')],
  [31, info('Portal Certificate', 'opaque')],
  [32, info('iSCSI Name', 'string', { maxLength: 224 })],
  [33, info('iSCSI Node Type', 'u32')],
  [34, info('iSCSI Alias', 'string', { maxLength: 256 })],
  [35, info('iSCSI SCN Bitmap', 'u32')],
  [36, info('iSCSI Node Index', 'u32')],
  [37, info('WWNN Token', 'u64')],
  [38, info('iSCSI Node Next Index', 'u32')],
  [42, info('iSCSI AuthMethod', 'string')],
  [48, info('PG iSCSI Name', 'string', { maxLength: 224 })],
  [49, info('PG Portal IP Addr', 'ip')],
  [50, info('PG Portal TCP/UDP Port', 'port')],
  [51, info('PG Tag', 'u32')],
  [52, info('PG Index', 'u32')],
  [53, info('PG Next Index', 'u32')],
  [64, info('FC Port Name WWPN', 'u64')],
  [65, info('Port ID', 'u32')],
  [66, info('FC Port Type', 'u32')],
  [67, info('Symbolic Port Name', 'string', { maxLength: 256 })],
  [68, info('Fabric Port Name', 'u64')],
  [69, info('Hard Address', 'u32')],
  [70, info('Port IP-Address', 'ip')],
  [71, info('Class of Service', 'u32')],
  [72, info('FC-4 Types', 'opaque', { fixedLength: 32 })],
  [73, info('FC-4 Descriptor', 'string', { maxLength: 256 })],
  [74, info('FC-4 Features', 'opaque', { fixedLength: 128 })],
  [75, info('iFCP SCN Bitmap', 'u32')],
  [76, info('Port Role', 'u32')],
  [77, info('Permanent Port Name', 'u64')],
  [95, info('FC-4 Type Code', 'u32')],
  [96, info('FC Node Name WWNN', 'u64')],
  [97, info('Symbolic Node Name', 'string', { maxLength: 256 })],
  [98, info('Node IP-Address', 'ip')],
  [99, info('Node IPA', 'u64')],
  [101, info('Proxy iSCSI Name', 'string', { maxLength: 256 })],
  [128, info('Switch Name', 'u64')],
  [129, info('Preferred ID', 'u32')],
  [130, info('Assigned ID', 'u32')],
  [131, info('Virtual_Fabric_ID', 'string', { maxLength: 256 })],
  [256, info('iSNS Server Vendor OUI', 'u32')],
  [2049, info('DD_Set ID', 'u32')],
  [2050, info('DD_Set Sym Name', 'string', { maxLength: 256 })],
  [2051, info('DD_Set Status', 'u32')],
  [2052, info('DD_Set_Next_ID', 'u32')],
  [2065, info('DD_ID', 'u32')],
  [2066, info('DD_Symbolic Name', 'string', { maxLength: 256 })],
  [2067, info('DD_Member iSCSI Index', 'u32')],
  [2068, info('DD_Member iSCSI Name', 'string', { maxLength: 224 })],
  [2069, info('DD_Member FC Port Name', 'u64')],
  [2070, info('DD_Member Portal Index', 'u32')],
  [2071, info('DD_Member Portal IP Addr', 'ip')],
  [2072, info('DD_Member Portal TCP/UDP', 'port')],
  [2078, info('DD_Features', 'u32')],
  [2079, info('DD_ID Next ID', 'u32')],
]);

/** Fixed value lengths per kind (0 = variable). */
export const KIND_LENGTH: Readonly<Record<ValueKind, number>> = {
  nil: 0, string: 0, u32: 4, u64: 8, ip: 16, port: 4, range16: 4, opaque: 0,
};

/** Vendor-specific tag ranges, §6.1. */
export const VendorRange = {
  SERVER: [257, 384],
  ENTITY: [385, 512],
  PORTAL: [513, 640],
  ISCSI_NODE: [641, 768],
  FC_PORT: [769, 896],
  FC_NODE: [897, 1024],
  DDS: [1025, 1280],
  DD: [1281, 1536],
  OTHER: [1537, 2048],
} as const;

export function isVendorSpecificTag(tag: number): boolean {
  return tag >= VendorRange.SERVER[0] && tag <= VendorRange.OTHER[1];
}

/** How a tag's value is read; unknown tags are opaque. */
export function tagKind(tag: number): ValueKind {
  return TAGS.get(tag)?.kind ?? 'opaque';
}

export function tagName(tag: number): string {
  return TAGS.get(tag)?.name ?? (isVendorSpecificTag(tag) ? `vendor tag ${tag}` : `tag ${tag}`);
}

// Enumerated values used by the attributes above.

/** Entity Protocol, §6.2.2. */
export const EntityProtocol = { NO_PROTOCOL: 1, ISCSI: 2, IFCP: 3 } as const;

/** iSCSI Node Type bits, §6.4.2. */
export const NodeType = { TARGET: 0x1, INITIATOR: 0x2, CONTROL: 0x4 } as const;

/** iSCSI SCN Bitmap bits, §6.4.4. */
export const ScnBitmap = {
  DD_DDS_MEMBER_ADDED: 0x1,
  DD_DDS_MEMBER_REMOVED: 0x2,
  OBJECT_UPDATED: 0x4,
  OBJECT_ADDED: 0x8,
  OBJECT_REMOVED: 0x10,
  MANAGEMENT_REGISTRATION: 0x20,
  TARGET_AND_SELF_ONLY: 0x40,
  INITIATOR_AND_SELF_ONLY: 0x80,
} as const;

/** DD_Set Status bit 31 (the least significant bit): the set is enabled, §6.11.1. */
export const DD_SET_ENABLED = 0x1;
/** DD_Features bit 31 (the least significant bit): boot list, §6.11.2. */
export const DD_FEATURE_BOOT_LIST = 0x1;
