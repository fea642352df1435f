// ISO 9660 path tables, ECMA-119 4th edition §9.4 (Table 11): a record per directory, in a little-endian (type L) and
// a big-endian (type M) copy (§6.9.1). Images here have one directory, the root: directory number 1, its own parent.

/** §9.4: the path table of a volume whose only directory is the root at `rootExtent`, in one byte order. */
export function encodeRootPathTable(rootExtent: number, order: 'L' | 'M'): Buffer {
  const b = Buffer.alloc(10); // 8 bytes, the one-byte identifier, a padding byte (§9.4.8: identifier length is odd)
  b[0] = 1; // §9.4.1 length of directory identifier
  b[1] = 0; // §9.4.2 extended attribute record length
  if (order === 'L') b.writeUInt32LE(rootExtent, 2); else b.writeUInt32BE(rootExtent, 2); // §9.4.3
  if (order === 'L') b.writeUInt16LE(1, 6); else b.writeUInt16BE(1, 6); // §9.4.4 parent directory number
  b[8] = 0; // §9.4.5: the root's identifier is one 00h byte (§6.8.2.2)
  return b;
}
