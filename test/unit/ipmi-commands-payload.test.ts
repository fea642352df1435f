// The payload command definitions (protocols/ipmi/commands/payload.ts, on protocols/sol/activation.ts): what
// `ipmitool sol activate` sends, and a console built on the definitions activating, inspecting and ending SOL.
import t from 'tap';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import {
  ActivatePayload, DeactivatePayload, GetChannelPayloadSupport, GetChannelPayloadVersion, GetPayloadActivationStatus,
  GetPayloadInstanceInfo,
} from '../../protocols/ipmi/commands/payload.js';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { PayloadType } from '../../protocols/ipmi/session-v20.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { fixture, type Fixture } from '../helpers/bmc-command-fixture.js';

function send<Req, Res>(f: Fixture, def: IpmiCommand<Req, Res>, req: Req): { cc: number; res?: Res } {
  const r = f.send(def.netFn, def.cmd, def.encodeRequest(req));
  return r.cc === CC.OK ? { cc: r.cc, res: def.decodeResponse(r.data ?? new Uint8Array(0), req) } : { cc: r.cc };
}

const SOL = { payloadType: PayloadType.SOL, instance: 1 };

t.test('the definitions: netFn App, commands 48h-4Fh, User', (t) => {
  const defs = [ActivatePayload, DeactivatePayload, GetPayloadActivationStatus, GetPayloadInstanceInfo, GetChannelPayloadSupport, GetChannelPayloadVersion];
  t.same(defs.map((d) => d.cmd), [0x48, 0x49, 0x4a, 0x4b, 0x4e, 0x4f]);
  for (const d of defs) t.match(d, { netFn: NetFn.APP, privilege: Privilege.USER }, d.name);
  t.same([...GetPayloadActivationStatus.encodeRequest({ payloadType: 1 })], [0x01]);
  t.same([...GetPayloadInstanceInfo.encodeRequest(SOL)], [0x01, 0x01]);
  t.same([...GetChannelPayloadSupport.encodeRequest({ channel: 0x0e })], [0x0e]);
  t.same(GetChannelPayloadSupport.decodeRequest(Uint8Array.of(0x0e)), { channel: 0x0e });
  t.same([...GetChannelPayloadVersion.encodeRequest({ channel: 1, payloadType: 1 })], [0x01, 0x01]);
  t.match(t.throws(() => GetChannelPayloadSupport.decodeRequest(Uint8Array.of(0x0e, 0x01))), { code: 'ERR_LENGTH' });
  t.equal(DeactivatePayload.decodeResponse(new Uint8Array(0), { ...SOL, auxiliary: new Uint8Array(4) }), undefined);
  t.end();
});

t.test('a console activates SOL as ipmitool does, inspects it, and ends it', (t) => {
  const f = fixture();
  // ipmitool lib/ipmi_sol.c: encryption, authentication, serial alerts deferred, CTS/DCD held: 01 01 C6 00 00 00
  const activate = ActivatePayload.decodeRequest(Uint8Array.of(0x01, 0x01, 0xc6, 0x00, 0x00, 0x00));
  const on = send(f, ActivatePayload, activate);
  t.equal(on.cc, CC.OK);
  t.match(on.res, { inboundPayloadSize: 255, outboundPayloadSize: 255, port: 623, vlan: 0xffff });
  t.equal(ActivatePayload.encodeResponse(on.res!).length, 12, 'exactly 12 bytes, as ipmitool insists');
  t.equal(send(f, ActivatePayload, activate).cc, 0x80, 'already active');

  t.same(send(f, GetPayloadActivationStatus, { payloadType: PayloadType.SOL }).res, { capacity: 1, active: [1] });
  t.same(send(f, GetPayloadInstanceInfo, SOL).res, { sessionId: f.session.id, portNumber: 1 });
  t.same(send(f, GetChannelPayloadSupport, { channel: 0x0e }).res, { standard: [0, 1], sessionSetup: [0x10, 0x11, 0x12, 0x13, 0x14, 0x15], oem: [] });
  t.same(send(f, GetChannelPayloadVersion, { channel: 1, payloadType: PayloadType.SOL }).res, { major: 1, minor: 0 });
  t.equal(send(f, GetChannelPayloadVersion, { channel: 1, payloadType: PayloadType.OEM_EXPLICIT }).cc, 0x80, 'payload type not available');
  t.equal(send(f, GetChannelPayloadSupport, { channel: 2 }).cc, CC.INVALID_DATA_FIELD);

  t.same(send(f, DeactivatePayload, { ...activate, auxiliary: new Uint8Array(4) }), { cc: CC.OK, res: undefined });
  t.same(send(f, GetPayloadActivationStatus, { payloadType: PayloadType.SOL }).res, { capacity: 1, active: [] });
  t.same(send(f, GetPayloadInstanceInfo, SOL).res, { sessionId: 0, portNumber: 0 });
  t.equal(send(f, DeactivatePayload, { ...activate, auxiliary: new Uint8Array(4) }).cc, 0x80, 'already deactivated');
  t.equal(send(f, GetPayloadActivationStatus, { payloadType: PayloadType.IPMI }).cc, CC.INVALID_DATA_FIELD, 'only SOL activates');
  t.end();
});
