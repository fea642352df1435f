// SLPv2 agent advertisements — RFC 2608 §8.5 Directory Agent Advertisement, §8.6 Service Agent Advertisement.
//
//   DAAdvert: Error Code (2), DA Stateless Boot Timestamp (4), <URL> ("service:directory-agent://ADDR"),
//             <scope-list>, <attr-list>, <SLP SPI List>, # Auth Blocks (1), Authentication Blocks
//   SAAdvert: <URL> ("service:service-agent://ADDR"), <scope-list>, <attr-list>, # Auth Blocks (1), Auth Blocks
import { FunctionId } from './header.js';
import { formatStringList, parseStringList } from './string-list.js';
import type { SlpReader, SlpWriter } from './wire.js';

export interface DaAdvert {
  functionId: typeof FunctionId.DA_ADVERT;
  errorCode: number;
  /** Seconds since 1970-01-01 00:00 UTC when the DA last started; 0: it is going down (§12.1). */
  bootTimestamp: number;
  url: string;
  scopes: string[];
  attributes: string;
  spis: string[];
  auths: Uint8Array[];
}

export interface SaAdvert {
  functionId: typeof FunctionId.SA_ADVERT;
  url: string;
  scopes: string[];
  attributes: string;
  auths: Uint8Array[];
}

export function encodeDaAdvert(w: SlpWriter, m: DaAdvert): void {
  w.u16(m.errorCode);
  w.u32(m.bootTimestamp);
  w.string(m.url);
  w.string(formatStringList(m.scopes));
  w.string(m.attributes);
  w.string(formatStringList(m.spis));
  w.authBlocks(m.auths);
}

export function decodeDaAdvert(r: SlpReader): DaAdvert {
  const errorCode = r.u16('error code');
  const bootTimestamp = r.u32('da stateless boot timestamp');
  const url = r.string('url');
  const scopes = parseStringList(r.string('scope list'));
  const attributes = r.string('attr-list');
  const spis = parseStringList(r.string('slp spi list'));
  const auths = r.authBlocks(r.u8('auth block count'), 'auth');
  return { functionId: FunctionId.DA_ADVERT, errorCode, bootTimestamp, url, scopes, attributes, spis, auths };
}

export function encodeSaAdvert(w: SlpWriter, m: SaAdvert): void {
  w.string(m.url);
  w.string(formatStringList(m.scopes));
  w.string(m.attributes);
  w.authBlocks(m.auths);
}

export function decodeSaAdvert(r: SlpReader): SaAdvert {
  const url = r.string('url');
  const scopes = parseStringList(r.string('scope list'));
  const attributes = r.string('attr-list');
  const auths = r.authBlocks(r.u8('auth block count'), 'auth');
  return { functionId: FunctionId.SA_ADVERT, url, scopes, attributes, auths };
}
