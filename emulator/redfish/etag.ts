// ETags of the resources a client may PATCH (DSP0266 "ETags": a client sends If-Match so that it changes only what it
// last read), as Systems/1 and the accounts use them.
import { createHash } from 'node:crypto';
import { RedfishError } from '../../protocols/redfish/messages.js';
import type { RouteContext } from './route.js';

/** A strong ETag of a resource's representation (RFC 9110 §8.8.3): it changes whenever the JSON does. */
export function etagOf(json: string): string {
  return `"${createHash('sha256').update(json).digest('hex').slice(0, 16)}"`;
}

/** If-Match (RFC 9110 §13.1.1): absent or "*" passes; else one of its tags must be the current one (W/ ignored, as sushy retries with it). */
export function checkIfMatch(ctx: Pick<RouteContext, 'headers'>, etag: string): void {
  const header = ctx.headers['if-match'];
  if (header === undefined) return;
  const given = (Array.isArray(header) ? header.join(',') : header).split(',').map((s) => s.trim().replace(/^W\//, ''));
  if (!given.includes('*') && !given.includes(etag)) throw new RedfishError(412, 'PreconditionFailed');
}
