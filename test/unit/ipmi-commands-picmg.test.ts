// The group extension definitions (protocols/ipmi/commands/picmg.ts): ipmitool's real PICMG, VITA and HPM.2 probes
// from the capture, the response layouts a PICMG controller would send, and the emulated BMC's C1h to all of them.
import t from 'tap';
import { GetLanAttachCapabilities, GetPicmgProperties, GroupExtension } from '../../protocols/ipmi/commands/picmg.js';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { fixture } from '../helpers/bmc-command-fixture.js';
import { capturedExchanges } from '../helpers/captured-commands.js';

t.test('ipmitool\'s probes from the capture: PICMG and VITA share command 00h, HPM.2 is 3Eh', (t) => {
  const properties = capturedExchanges(NetFn.GROUP_EXTENSION, GetPicmgProperties.cmd);
  const bodies = new Set(properties.map((x) => x.request.data[0]));
  t.same([...bodies].sort(), [GroupExtension.PICMG, GroupExtension.VITA], 'PICMG then VITA, in every session');
  for (const x of properties) t.equal(x.response.completionCode, CC.INVALID_COMMAND, `ipmi_sim frame ${x.response.n}`);
  const picmg = properties.find((x) => x.request.data[0] === GroupExtension.PICMG)!;
  t.equal(GetPicmgProperties.decodeRequest(picmg.request.data), undefined);
  t.same([...GetPicmgProperties.encodeRequest()], [...picmg.request.data]);
  const vita = properties.find((x) => x.request.data[0] === GroupExtension.VITA)!;
  t.match(t.throws(() => GetPicmgProperties.decodeRequest(vita.request.data)), { code: 'ERR_GROUP' }, 'a VITA request is not a PICMG one');

  const [hpm] = capturedExchanges(NetFn.GROUP_EXTENSION, GetLanAttachCapabilities.cmd);
  t.same([...hpm.request.data], [0x00, 0x02]);
  t.equal(GetLanAttachCapabilities.decodeRequest(hpm.request.data), undefined);
  t.same([...GetLanAttachCapabilities.encodeRequest()], [0x00, 0x02]);
  t.match(t.throws(() => GetLanAttachCapabilities.decodeRequest(Uint8Array.of(0x00, 0x01))), { code: 'ERR_GROUP' });
  t.end();
});

t.test('response layouts: PICMG properties (version BCD major in [3:0]) and LAN attach capabilities', (t) => {
  const props = GetPicmgProperties.decodeResponse(Uint8Array.of(0x00, 0x32, 0x05, 0x00), undefined);
  t.same(props, { extensionMajor: 2, extensionMinor: 3, maxFruDeviceId: 5, ipmcFruDeviceId: 0 }, 'AdvancedTCA 2.3');
  t.same([...GetPicmgProperties.encodeResponse(props)], [0x00, 0x32, 0x05, 0x00]);
  t.match(t.throws(() => GetPicmgProperties.decodeResponse(Uint8Array.of(0x03, 0x32, 0x05, 0x00), undefined)), { code: 'ERR_GROUP' });
  const bytes = [0x00, 0x02, 0x02, 0x00, 0x11, 0xc0, 0x01, 0xc8, 0x01];
  const caps = GetLanAttachCapabilities.decodeResponse(Uint8Array.from(bytes), undefined);
  t.same(caps, {
    revision: 2, lanChannelMask: 0x0002, capabilities: 0x11, lanParametersStart: 0xc0, lanParametersRevision: 1,
    solParametersStart: 0xc8, solParametersRevision: 1,
  });
  t.same([...GetLanAttachCapabilities.encodeResponse(caps)], bytes);
  t.match(t.throws(() => GetLanAttachCapabilities.decodeResponse(Uint8Array.from(bytes.slice(0, 8)), undefined)), { code: 'ERR_TRUNCATED' });
  t.end();
});

t.test('the emulated BMC answers every probe C1h, at any privilege and whatever the data', (t) => {
  const f = fixture();
  for (const privilege of [Privilege.CALLBACK, Privilege.USER, Privilege.ADMINISTRATOR]) {
    f.session.privilege = privilege;
    t.equal(f.send(NetFn.GROUP_EXTENSION, 0x00, GetPicmgProperties.encodeRequest()).cc, CC.INVALID_COMMAND);
    t.equal(f.send(NetFn.GROUP_EXTENSION, 0x00, [GroupExtension.VITA]).cc, CC.INVALID_COMMAND, 'VITA probe');
    t.equal(f.send(NetFn.GROUP_EXTENSION, 0x3e, GetLanAttachCapabilities.encodeRequest()).cc, CC.INVALID_COMMAND);
    t.equal(f.send(NetFn.GROUP_EXTENSION, 0x00, []).cc, CC.INVALID_COMMAND, 'even an empty request');
  }
  t.end();
});
