// What a read or write of one system boot option parameter comes to (boot-options.ts, iscsi-boot.ts); the
// chassis handler turns each error into its completion code (IPMI 2.0 §28.12/§28.13).

export type BootOptionError = 'unsupported' | 'set-in-progress' | 'length' | 'value' | 'out-of-range';
export type BootOptionRead = { ok: true; locked: boolean; data: Buffer } | { ok: false; error: BootOptionError };
export type BootOptionWrite = { ok: true } | { ok: false; error: BootOptionError };
