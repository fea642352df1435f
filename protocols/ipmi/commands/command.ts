// One IPMI command as both sides see it — IPMI 2.0 §5 (message data), §5.2 (completion codes): the request's
// data bytes and the response's data bytes after the completion code. The BMC's handler decodes the request
// and encodes the response; a client (IpmiLanClient.call) encodes the request and decodes the response, from
// the same definition, so the bytes of a command are written once.

export interface IpmiCommand<Req, Res> {
  /** As the spec names it ("Get Device ID"): used in errors and metrics. */
  readonly name: string;
  /** Request netFn (even); the response's is netFn + 1. */
  readonly netFn: number;
  readonly cmd: number;
  /** Lowest session privilege that may run it (IPMI 2.0 Appendix G). */
  readonly privilege: number;
  encodeRequest(req: Req): Uint8Array;
  /** Throws a DecodeError on malformed data (the BMC answers C7h unless it says otherwise). */
  decodeRequest(data: Uint8Array): Req;
  /** The response data after the completion code (only for completion code 00h). */
  encodeResponse(res: Res): Uint8Array;
  /** `req` is what was asked: some responses (a configuration parameter) are read by what the request selected. */
  decodeResponse(data: Uint8Array, req: Req): Res;
}

/** The request type of a command definition. */
export type RequestOf<C> = C extends IpmiCommand<infer Req, unknown> ? Req : never;
/** The response type of a command definition. */
export type ResponseOf<C> = C extends IpmiCommand<unknown, infer Res> ? Res : never;
