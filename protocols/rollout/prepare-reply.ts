// Prepare Reply (02h) body: README "The rollout protocol" (its byte tables). An RMC's answer to a Prepare
// (after its reply delay) or to a Poll (at once). The header's rmcId names the RMC.
//
//   Prepare Reply (18 + n):  readiness(1) address(4) bmcCount(2) manufacturerId(4) productId(2) replyDelayUs(4)
//                            rackNameLength(1) rackName(n <= 64)
import { valuesOf, type BodyCodec } from './fields.js';

export const MAX_RACK_NAME_BYTES = 64;

/** Can the RMC take the update? */
export const Readiness = {
  READY: 0,
  /** Another rollout holds it. */
  BUSY: 1,
  /** No room for the image. */
  NO_SPACE: 2,
  /** Its BMCs are another manufacturer or product than the image the Prepare names. */
  WRONG_PRODUCT: 3,
} as const;
export type Readiness = typeof Readiness[keyof typeof Readiness];

export interface PrepareReply {
  readiness: Readiness;
  /** The RMC's own IPv4 address (the source address may be a relay's). */
  address: string;
  /** BMCs in its rack. */
  bmcCount: number;
  /** Whom its BMCs say they are in Get Device ID (IPMI 2.0 §20.1): the manager names them when it leaves the RMC out. */
  manufacturerId: number;
  productId: number;
  /** The delay it waited before answering, µs (0 for a Poll): lets a benchmark compare intent with arrival. */
  replyDelayUs: number;
  /** The rack's name in the fleet file. */
  rackName: string;
}

export const prepareReplyCodec: BodyCodec<PrepareReply> = {
  encodingLength: (p) => 18 + Buffer.byteLength(p.rackName, 'utf8'),
  write: (w, p) => {
    w.u8(p.readiness, 'readiness').ipv4(p.address, 'address').u16(p.bmcCount, 'bmcCount')
      .manufacturerId(p.manufacturerId, 'manufacturerId').u16(p.productId, 'productId').u32(p.replyDelayUs, 'replyDelayUs')
      .str(p.rackName, MAX_RACK_NAME_BYTES, 'rackName');
  },
  read: (r) => ({
    readiness: r.code(valuesOf(Readiness), 'readiness'),
    address: r.ipv4('address'),
    bmcCount: r.u16('bmcCount'),
    manufacturerId: r.manufacturerId('manufacturerId'),
    productId: r.u16('productId'),
    replyDelayUs: r.u32('replyDelayUs'),
    rackName: r.str(MAX_RACK_NAME_BYTES, 'rackName'),
  }),
};
