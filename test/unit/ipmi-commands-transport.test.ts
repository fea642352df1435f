// The configuration parameter definitions (protocols/ipmi/commands/config-parameters.ts, lan-config.ts,
// sol-config.ts): ipmitool's real `lan print 1` and ipmi_sim's answers decode and re-encode, every LAN parameter
// round-trips, and a client built on the definitions reads and writes the emulated BMC's LAN and SOL settings.
import t from 'tap';
import { setParameterRequest } from '../../protocols/ipmi/commands/config-parameters.js';
import {
  GetLanConfigurationParameters, LanParameters, SetLanConfigurationParameters, type LanParameterValue,
} from '../../protocols/ipmi/commands/lan-config.js';
import { GetSolConfigurationParameters, SetSolConfigurationParameters, SolParameters } from '../../protocols/ipmi/commands/sol-config.js';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { fixture } from '../helpers/bmc-command-fixture.js';
import { capturedExchanges } from '../helpers/captured-commands.js';
import { callCommand as call } from '../helpers/bmc-command-fixture.js';


const get = (parameter: number, channel = 1) => ({ revisionOnly: false, channel, parameter, setSelector: 0, blockSelector: 0 });

t.test('ipmitool "lan print 1" against ipmi_sim: every request and answer decodes, and re-encodes byte for byte', (t) => {
  const exchanges = capturedExchanges(NetFn.TRANSPORT, GetLanConfigurationParameters.cmd);
  const asked = exchanges.map((x) => GetLanConfigurationParameters.decodeRequest(x.request.data));
  t.same(asked.map((r) => r.parameter), [0, 1, 2, 4, 3, 6, 5, 16, 7, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 26], 'the order PEERS.md gives');
  const values = new Map<number, LanParameterValue | undefined>();
  exchanges.forEach((x, i) => {
    const req = asked[i];
    t.same(req, get(req.parameter), `request for parameter ${req.parameter}`);
    t.same([...GetLanConfigurationParameters.encodeRequest(req)], [...x.request.data]);
    if (x.response.completionCode !== CC.OK) {
      t.equal(x.response.completionCode, 0x80, `ipmi_sim does not support parameter ${req.parameter}`);
      return;
    }
    const reading = GetLanConfigurationParameters.decodeResponse(x.response.data, req);
    t.equal(reading.revision, 0x11);
    values.set(req.parameter, reading.value);
    const again = [...GetLanConfigurationParameters.encodeResponse(reading)];
    // ipmi_sim puts 44h in parameter 24's reserved first byte; the encoder writes the spec's 00h there.
    if (req.parameter === 24) t.same(again.slice(2), [...x.response.data.subarray(2)], 'parameter 24 after its reserved byte');
    else t.same(again, [...x.response.data], `parameter ${req.parameter} re-encodes`);
  });
  t.same(values.get(1), { parameter: 1, authTypes: 0x1f });
  t.same(values.get(2), { parameter: 2, callback: 0x17, user: 0x17, operator: 0x17, administrator: 0x17, oem: 0x00 });
  t.same(values.get(3), { parameter: 3, address: '0.0.0.0' });
  t.same(values.get(5), { parameter: 5, mac: '00:00:00:00:00:00' });
  t.same(values.get(16), { parameter: 16, community: 'public' });
  t.same(values.get(20), { parameter: 20, vlanEnabled: false, vlanId: 0 });
  t.same(values.get(22), { parameter: 22, cipherSuiteEntries: 15 });
  t.same(values.get(23), { parameter: 23, cipherSuites: Array.from({ length: 16 }, (_, i) => i + 1) });
  t.same(values.get(24), { parameter: 24, privileges: new Array(16).fill(Privilege.ADMINISTRATOR) });
  t.end();
});

t.test('every LAN parameter value encodes to its Table 23-4 length and decodes back', (t) => {
  const samples: [LanParameterValue, number[]][] = [
    [{ parameter: 0, setInProgress: 1 }, [0x01]],
    [{ parameter: 1, authTypes: 0x15 }, [0x15]],
    [{ parameter: 2, callback: 0x04, user: 0x04, operator: 0x04, administrator: 0x14, oem: 0 }, [0x04, 0x04, 0x04, 0x14, 0x00]],
    [{ parameter: 3, address: '10.20.30.40' }, [10, 20, 30, 40]],
    [{ parameter: 4, source: 2 }, [0x02]],
    [{ parameter: 5, mac: '02:00:0a:14:1e:28' }, [0x02, 0x00, 0x0a, 0x14, 0x1e, 0x28]],
    [{ parameter: 6, address: '255.255.255.0' }, [255, 255, 255, 0]],
    [{ parameter: 7, ttl: 0x40, flags: 0x02, precedence: 0, typeOfService: 0x08 }, [0x40, 0x40, 0x10]],
    [{ parameter: 10, arpResponses: true, gratuitousArps: false }, [0x02]],
    [{ parameter: 11, gratuitousArpInterval: 4 }, [0x04]],
    [{ parameter: 12, address: '10.20.30.1' }, [10, 20, 30, 1]],
    [{ parameter: 13, mac: '02:fe:0a:14:1e:01' }, [0x02, 0xfe, 0x0a, 0x14, 0x1e, 0x01]],
    [{ parameter: 16, community: 'private' }, [...Buffer.from('private'), ...new Array(11).fill(0)]],
    [{ parameter: 20, vlanEnabled: true, vlanId: 0x123 }, [0x23, 0x81]],
    [{ parameter: 21, vlanPriority: 5 }, [0x05]],
    [{ parameter: 22, cipherSuiteEntries: 3 }, [0x03]],
    [{ parameter: 23, cipherSuites: [17, 3, 1] }, [0x00, 17, 3, 1]],
    [{ parameter: 24, privileges: [4, 4, 3, ...new Array(13).fill(0)] }, [0x00, 0x44, 0x03, 0, 0, 0, 0, 0, 0]],
    [{ parameter: 26, generateEvent: true, threshold: 3, resetInterval: 0x0102, lockoutInterval: 6 }, [0x01, 0x03, 0x02, 0x01, 0x06, 0x00]],
  ];
  for (const [value, bytes] of samples) {
    t.same([...LanParameters.encode(value)], bytes, `parameter ${value.parameter} bytes`);
    t.same(LanParameters.decode(value.parameter, Uint8Array.from(bytes)), value, `parameter ${value.parameter} decodes`);
    t.ok(LanParameters.knows(value.parameter));
  }
  t.end();
});

t.test('LAN parameter decode: unknown selectors, wrong lengths, reserved bits', (t) => {
  t.notOk(LanParameters.knows(8), 'primary RMCP port is not in the table');
  t.match(t.throws(() => LanParameters.decode(8, Uint8Array.of(0x6f, 0x02))), { code: 'ERR_PARAMETER' });
  t.match(t.throws(() => LanParameters.decode(3, Uint8Array.of(10, 0, 0))), { code: 'ERR_LENGTH' });
  t.match(t.throws(() => LanParameters.decode(23, new Uint8Array(0))), { code: 'ERR_LENGTH' });
  t.match(t.throws(() => LanParameters.decode(23, new Uint8Array(18))), { code: 'ERR_LENGTH' });
  t.same(LanParameters.decode(23, Uint8Array.of(0x00)), { parameter: 23, cipherSuites: [] }, 'no entries');
  t.same(LanParameters.decode(21, Uint8Array.of(0xff)), { parameter: 21, vlanPriority: 7 });
  t.same(LanParameters.decode(4, Uint8Array.of(0xf1)), { parameter: 4, source: 1 });
  t.throws(() => LanParameters.encode({ parameter: 3, address: '10.0.0.256' }), RangeError);
  t.throws(() => LanParameters.encode({ parameter: 16, community: 'x'.repeat(19) }), RangeError);
  t.end();
});

t.test('Get/Set LAN Configuration Parameters: netFn 0Ch, commands 02h/01h, Operator/Administrator (Appendix G)', (t) => {
  t.match(GetLanConfigurationParameters, { netFn: NetFn.TRANSPORT, cmd: 0x02, privilege: Privilege.OPERATOR });
  t.match(SetLanConfigurationParameters, { netFn: NetFn.TRANSPORT, cmd: 0x01, privilege: Privilege.ADMINISTRATOR });
  t.match(GetSolConfigurationParameters, { netFn: NetFn.TRANSPORT, cmd: 0x22, privilege: Privilege.USER });
  t.match(SetSolConfigurationParameters, { netFn: NetFn.TRANSPORT, cmd: 0x21, privilege: Privilege.ADMINISTRATOR });
  const set = setParameterRequest(LanParameters, 1, { parameter: 3, address: '10.0.0.99' });
  t.same([...SetLanConfigurationParameters.encodeRequest(set)], [0x01, 0x03, 10, 0, 0, 99]);
  t.same(SetLanConfigurationParameters.decodeRequest(Uint8Array.of(0x01, 0x03, 10, 0, 0, 99)), { channel: 1, parameter: 3, data: Uint8Array.of(10, 0, 0, 99) });
  t.match(t.throws(() => SetLanConfigurationParameters.decodeRequest(Uint8Array.of(0x01, 0x03))), { code: 'ERR_TRUNCATED' });
  t.same(GetLanConfigurationParameters.decodeResponse(Uint8Array.of(0x11), { ...get(3), revisionOnly: true }), { revision: 0x11 });
  t.same([...GetLanConfigurationParameters.encodeRequest({ ...get(3), revisionOnly: true })], [0x81, 0x03, 0x00, 0x00]);
  t.end();
});

t.test('a client writes and reads the emulated BMC\'s LAN settings with the definitions', (t) => {
  const f = fixture({ ip: '10.20.30.40' });
  const read = (parameter: number) => call(f, GetLanConfigurationParameters, get(parameter)).value;
  t.same(read(3), { parameter: 3, address: '10.20.30.40' });
  t.same(read(5), { parameter: 5, mac: '02:00:0a:14:1e:28' }, 'MAC from the IP');
  t.same(read(12), { parameter: 12, address: '10.20.30.1' });
  t.same(read(1), { parameter: 1, authTypes: 0x15 });
  call(f, SetLanConfigurationParameters, setParameterRequest(LanParameters, 0x0e, { parameter: 20, vlanEnabled: true, vlanId: 42 }));
  t.same(read(20), { parameter: 20, vlanEnabled: true, vlanId: 42 });
  call(f, SetLanConfigurationParameters, setParameterRequest(LanParameters, 1, { parameter: 7, ttl: 0x20, flags: 0x02, precedence: 1, typeOfService: 0x08 }));
  t.same(read(7), { parameter: 7, ttl: 0x20, flags: 0x02, precedence: 1, typeOfService: 0x08 });
  call(f, SetLanConfigurationParameters, setParameterRequest(LanParameters, 1, { parameter: 26, generateEvent: false, threshold: 5, resetInterval: 30, lockoutInterval: 60 }));
  t.same(read(26), { parameter: 26, generateEvent: false, threshold: 5, resetInterval: 30, lockoutInterval: 60 });
  const cc = (value: LanParameterValue) => f.send(NetFn.TRANSPORT, 0x01, SetLanConfigurationParameters.encodeRequest(setParameterRequest(LanParameters, 1, value))).cc;
  t.equal(cc({ parameter: 22, cipherSuiteEntries: 1 }), 0x82, 'read-only');
  t.equal(cc({ parameter: 4, source: 9 }), CC.INVALID_DATA_FIELD, 'reserved IP address source');
  t.same(f.events.map((e) => (e.kind === 'lan' ? e.parameter : -1)), [20, 7, 26]);
  t.end();
});

t.test('SOL configuration through the definitions: "sol info" reads, "sol set" writes', (t) => {
  const f = fixture();
  // ipmitool lib/ipmi_sol.c: channel 0Eh without an argument, then parameter, 00, 00
  const info = GetSolConfigurationParameters.decodeRequest(Uint8Array.of(0x0e, 0x03, 0x00, 0x00));
  t.same(call(f, GetSolConfigurationParameters, info), { revision: 0x11, value: { parameter: 3, accumulateInterval: 10, sendThreshold: 96 } });
  t.same(call(f, GetSolConfigurationParameters, { ...info, parameter: 8 }).value, { parameter: 8, port: 623 });
  call(f, SetSolConfigurationParameters, setParameterRequest(SolParameters, 1, { parameter: 4, retryCount: 3, retryInterval: 20 }));
  t.same(call(f, GetSolConfigurationParameters, { ...info, parameter: 4 }).value, { parameter: 4, retryCount: 3, retryInterval: 20 });
  t.same([...SetSolConfigurationParameters.encodeRequest(setParameterRequest(SolParameters, 1, { parameter: 1, enabled: false }))], [0x01, 0x01, 0x00]);
  t.match(t.throws(() => GetSolConfigurationParameters.decodeResponse(Uint8Array.of(0x11, 0x01), { ...info, parameter: 9 })), { code: 'ERR_PARAMETER' });
  t.end();
});
