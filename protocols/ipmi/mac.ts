// MAC addresses as text and bytes: the one parser behind LAN parameter 5 (IPMI 2.0 Table 23-4), the OEM hardware
// inventory and the fleet file's hardware templates.

/**
 * "aa:bb:cc:dd:ee:ff" or "aa-bb-cc-dd-ee-ff" (either case), or 6 bytes, to a 6-byte Buffer; otherwise a RangeError
 * whose message starts with `field`.
 */
export function parseMac(mac: string | Uint8Array, field = 'MAC address'): Buffer {
  if (typeof mac !== 'string') {
    if (mac.length !== 6) throw new RangeError(`${field} needs 6 bytes, got ${mac.length}`);
    return Buffer.from(mac);
  }
  if (!/^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i.test(mac)) {
    throw new RangeError(`${field} must be six hex bytes like 06:00:7f:01:00:01 or 06-00-7f-01-00-01, got ${JSON.stringify(mac)}`);
  }
  return Buffer.from(mac.replace(/[:-]/g, ''), 'hex');
}

/** 6 bytes as lower-case colon-separated text. */
export function formatMac(bytes: Iterable<number>): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
