// Get/Set ... Configuration Parameters: the layout LAN (IPMI 2.0 §23.1 Set, §23.2 Get) and SOL (§26.2 Set, §26.3
// Get) share. A family brings a ParameterCodec for its parameter table (lan-config.ts, sol-config.ts).
//   Get request:  byte 1 [7] revision only, [3:0] channel; 2 parameter selector; 3 set selector; 4 block selector
//   Get response: byte 2 parameter revision ([7:4] present, [3:0] oldest compatible); 3:N the parameter's data,
//                 absent when only the revision was asked for
//   Set request:  byte 1 [3:0] channel; 2 parameter selector; 3:N data.   Set response: no data
// Completion codes 80h not supported, 81h set in progress, 82h read-only: ConfigParameterCC (completion-codes.ts).
import { DecodeError, requireBytes } from '../../errors.js';
import type { IpmiCommand } from './command.js';
import { NO_DATA, PROTOCOL, dataLength, requestLength, responseLength } from './command-data.js';

/** Parameter 0 of LAN (Table 23-4), SOL (Table 26-5) and boot options (Table 28-14), "set in progress" [1:0]; 11b is reserved. */
export const SetInProgress = { COMPLETE: 0, IN_PROGRESS: 1, COMMIT_WRITE: 2 } as const;

/** Get request byte 1 [7]: return only the parameter revision. */
const REVISION_ONLY = 0x80;

export interface GetConfigRequest {
  /** Byte 1 [7]: get the parameter revision only. */
  revisionOnly: boolean;
  /** Byte 1 [3:0]: channel number (0Eh = this channel). */
  channel: number;
  /** Byte 2: parameter selector. */
  parameter: number;
  /** Byte 3: set selector. */
  setSelector: number;
  /** Byte 4: block selector. */
  blockSelector: number;
}

export function decodeGetConfigRequest(data: Uint8Array): GetConfigRequest {
  requestLength(data, 4, 4, 'Get Configuration Parameters');
  return { revisionOnly: (data[0] & REVISION_ONLY) !== 0, channel: data[0] & 0x0f, parameter: data[1], setSelector: data[2], blockSelector: data[3] };
}

export function encodeGetConfigRequest(r: GetConfigRequest): Buffer {
  return Buffer.from([(r.revisionOnly ? REVISION_ONLY : 0) | (r.channel & 0x0f), r.parameter, r.setSelector, r.blockSelector]);
}

export interface SetConfigRequest {
  /** Byte 1 [3:0]: channel number. */
  channel: number;
  /** Byte 2: parameter selector. */
  parameter: number;
  /** Bytes 3:N: the parameter's data (a view into the request, not a copy). */
  data: Uint8Array;
}

export function decodeSetConfigRequest(data: Uint8Array): SetConfigRequest {
  requireBytes(data, 0, 3, PROTOCOL, 'Set Configuration Parameters request');
  return { channel: data[0] & 0x0f, parameter: data[1], data: data.subarray(2) };
}

export function encodeSetConfigRequest(r: SetConfigRequest): Buffer {
  const out = Buffer.alloc(2 + r.data.length);
  out[0] = r.channel & 0x0f;
  out[1] = r.parameter;
  out.set(r.data, 2);
  return out;
}

export interface GetConfigResponse {
  /** Parameter revision, present [7:4] / oldest compatible [3:0]. */
  revision: number;
  /** The parameter's data; empty for a revision-only read (a view into the response, not a copy). */
  data: Uint8Array;
}

export function decodeGetConfigResponse(data: Uint8Array): GetConfigResponse {
  responseLength(data, 1, 'Get Configuration Parameters');
  return { revision: data[0], data: data.subarray(1) };
}

export function encodeGetConfigResponse(r: GetConfigResponse): Buffer {
  const out = Buffer.alloc(1 + r.data.length);
  out[0] = r.revision;
  out.set(r.data, 1);
  return out;
}

/** One family's parameter table: values to bytes and back. */
export interface ParameterCodec<V extends { parameter: number }> {
  /** Is `parameter` in the table? */
  knows(parameter: number): boolean;
  /** DecodeError ERR_PARAMETER for a parameter not in the table, ERR_LENGTH for data of another length. */
  decode(parameter: number, data: Uint8Array): V;
  encode(value: V): Uint8Array;
}

/** Data bytes of each parameter of a table: one length, or [min, max]. */
export type ParameterLengths = Readonly<Record<number, number | readonly [number, number]>>;

/**
 * The ParameterCodec of a family's table: `lengths` says which parameters it has and their data lengths, so that
 * `decode` gets data of the right length only.
 */
export function parameterTable<V extends { parameter: number }>(family: string, lengths: ParameterLengths,
  decode: (parameter: number, data: Uint8Array) => V, encode: (value: V) => Uint8Array): ParameterCodec<V> {
  return {
    knows: (parameter) => parameter in lengths,
    decode(parameter, data) {
      const length = lengths[parameter];
      if (length === undefined) {
        throw new DecodeError(PROTOCOL, 'parameter selector', 1, `${family} parameter ${parameter} is not defined`, 'ERR_PARAMETER');
      }
      const [min, max] = typeof length === 'number' ? [length, length] : length;
      dataLength(data, min, max, `${family} parameter ${parameter}`);
      return decode(parameter, data);
    },
    encode,
  };
}

/** A Get response read by what the request selected. */
export interface ParameterReading<V> {
  revision: number;
  /** Absent when only the revision was asked for. */
  value?: V;
}

interface CommandHead { name: string; netFn: number; cmd: number; privilege: number }

/** The Get command of a family: the response's data decoded by the request's parameter selector. */
export function getParametersCommand<V extends { parameter: number }>(head: CommandHead, codec: ParameterCodec<V>): IpmiCommand<GetConfigRequest, ParameterReading<V>> {
  return {
    ...head,
    encodeRequest: encodeGetConfigRequest,
    decodeRequest: decodeGetConfigRequest,
    encodeResponse: (r) => encodeGetConfigResponse({ revision: r.revision, data: r.value === undefined ? NO_DATA : codec.encode(r.value) }),
    decodeResponse(data, req) {
      const raw = decodeGetConfigResponse(data);
      return req.revisionOnly ? { revision: raw.revision } : { revision: raw.revision, value: codec.decode(req.parameter, raw.data) };
    },
  };
}

/**
 * The Set command of a family. Its request carries the data as bytes, so that the BMC can answer 80h (unknown) and
 * 82h (read-only) before it decodes them; a client builds it with `setParameterRequest`.
 */
export function setParametersCommand(head: CommandHead): IpmiCommand<SetConfigRequest, void> {
  return {
    ...head,
    encodeRequest: encodeSetConfigRequest,
    decodeRequest: decodeSetConfigRequest,
    encodeResponse: () => NO_DATA,
    decodeResponse: () => undefined,
  };
}

/** The Set request that writes `value` on `channel`. */
export function setParameterRequest<V extends { parameter: number }>(codec: ParameterCodec<V>, channel: number, value: V): SetConfigRequest {
  return { channel, parameter: value.parameter, data: codec.encode(value) };
}
