// What an RMC keeps across a restart (README "Rack controllers in the emulator"): plain JSON, beside the image's
// bytes and its signed manifest (rmc-store.ts keeps the three). The Prepare is kept encoded (as a whole message), in hex.
import type { Peer } from '../../protocols/peer.js';
import { MessageType } from '../../protocols/rollout/header.js';
import { decodeMessage, encodeMessage } from '../../protocols/rollout/message.js';
import type { Prepare } from '../../protocols/rollout/prepare.js';
import type { RackPhase } from '../../protocols/rollout/rack-status.js';
import type { SavedFlash } from './rack-flash.js';

/** 2: the saved Prepare carries the image's manufacturer and product IDs. A state of another version is set aside. */
export const SAVED_RMC_VERSION = 2;

export interface SavedRmc {
  version: typeof SAVED_RMC_VERSION;
  rollout: { rolloutId: number; phase: RackPhase; prepareHex: string } | null;
  /** The RMC's own message count when saved. */
  sequence: number;
  /** Where the manager's last command came from: unsolicited Rack Reports go there. */
  manager: Peer | null;
  /** The image held (its bytes and manifest are beside this), and whether it passed verification. */
  image: { verified: boolean } | null;
  flash: SavedFlash | null;
}

/** What a restarting RMC finds in its store. */
export interface RestoredRmc {
  state: SavedRmc;
  manifest: Uint8Array | null;
  image: Buffer;
}

/** Hex of each decoded Prepare: a shard's RMCs share the one its listener decoded, so it is encoded once, not per RMC. */
const hexOf = new WeakMap<Prepare, string>();

/** The Prepare as hex, through the codec: a whole message with a blank header, read back by prepareFromHex. */
export function prepareToHex(p: Prepare): string {
  let hex = hexOf.get(p);
  if (hex === undefined) {
    hex = encodeMessage({ type: MessageType.PREPARE, rolloutId: 0, rmcId: 0, sequence: 0, body: p }).toString('hex');
    hexOf.set(p, hex);
  }
  return hex;
}

export function prepareFromHex(hex: string): Prepare {
  const m = decodeMessage(Buffer.from(hex, 'hex'));
  if (m.type !== MessageType.PREPARE) throw new TypeError('the saved Prepare is another message');
  return m.body;
}
