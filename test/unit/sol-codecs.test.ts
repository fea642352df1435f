// SOL configuration parameter codecs (IPMI 2.0 §26.2/26.3, Table 26-5) and payload command codecs (§24.1-24.9).
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import {
  ACTIVATE_PAYLOAD_RESPONSE_LENGTH, NO_VLAN, SolActivationFlag, decodeActivatePayloadResponse, decodeChannelPayloadRequest,
  decodeChannelPayloadSupport, decodeGetPayloadInstanceInfoRequest, decodePayloadActivationStatus, decodePayloadInstanceInfo,
  decodePayloadInstanceRequest, decodePayloadVersion, encodeActivatePayloadResponse, encodeChannelPayloadSupport,
  encodePayloadActivationStatus, encodePayloadInstanceInfo, encodePayloadInstanceRequest, encodePayloadVersion,
} from '../../protocols/sol/activation.js';
import {
  decodeGetConfigRequest, decodeGetConfigResponse, decodeSetConfigRequest, encodeGetConfigRequest, encodeGetConfigResponse,
  encodeSetConfigRequest,
} from '../../protocols/ipmi/commands/config-parameters.js';
import {
  SOL_PARAMETER_LENGTHS, decodeSolParameter, encodeSolParameter, encodingLengthSolParameter, type SolParameterValue,
} from '../../protocols/sol/config-parameters.js';

t.test('Get SOL Configuration Parameters request as "ipmitool sol info" sends it', (t) => {
  // ipmitool lib/ipmi_sol.c ipmi_get_sol_info: channel (0Eh without an argument), parameter, 00, 00
  const r = decodeGetConfigRequest(Buffer.from([0x0e, 0x03, 0x00, 0x00]));
  t.same(r, { revisionOnly: false, channel: 0x0e, parameter: 3, setSelector: 0, blockSelector: 0 });
  t.same([...encodeGetConfigRequest(r)], [0x0e, 0x03, 0x00, 0x00]);
  t.equal(decodeGetConfigRequest(Buffer.from([0x81, 0x01, 0x00, 0x00])).revisionOnly, true);
  t.throws(() => decodeGetConfigRequest(Buffer.from([0x01, 0x01, 0x00])), DecodeError);
  t.throws(() => decodeGetConfigRequest(Buffer.from([0x01, 0x01, 0x00, 0x00, 0x00])), DecodeError);
  t.end();
});

t.test('Set request and Get response round-trip', (t) => {
  const set = decodeSetConfigRequest(Buffer.from([0x01, 0x04, 0x06, 0x32]));
  t.equal(set.channel, 1);
  t.equal(set.parameter, 4);
  t.same([...set.data], [0x06, 0x32]);
  t.same([...encodeSetConfigRequest(set)], [0x01, 0x04, 0x06, 0x32]);
  t.throws(() => decodeSetConfigRequest(Buffer.from([0x01, 0x04])), DecodeError, 'no data byte');
  const rsp = decodeGetConfigResponse(Buffer.from([0x11, 0x6f, 0x02]));
  t.equal(rsp.revision, 0x11);
  t.same([...rsp.data], [0x6f, 0x02]);
  t.same([...encodeGetConfigResponse(rsp)], [0x11, 0x6f, 0x02]);
  t.throws(() => decodeGetConfigResponse(Buffer.alloc(0)), DecodeError);
  t.end();
});

t.test('every parameter 0-8 encodes to its Table 26-5 length and round-trips', (t) => {
  const values: SolParameterValue[] = [
    { parameter: 0, setInProgress: 1 },
    { parameter: 1, enabled: true },
    { parameter: 2, forceEncryption: true, forceAuthentication: false, privilege: 4 },
    { parameter: 3, accumulateInterval: 10, sendThreshold: 96 },
    { parameter: 4, retryCount: 7, retryInterval: 50 },
    { parameter: 5, bitRate: 0x0a },
    { parameter: 6, bitRate: 0x06 },
    { parameter: 7, channel: 1 },
    { parameter: 8, port: 623 },
  ];
  for (const v of values) {
    const bytes = encodeSolParameter(v);
    t.equal(bytes.length, SOL_PARAMETER_LENGTHS[v.parameter], `parameter ${v.parameter} length`);
    t.equal(encodingLengthSolParameter(v), bytes.length);
    t.same(decodeSolParameter(v.parameter, bytes), v, `parameter ${v.parameter} round trip`);
  }
  t.same([...encodeSolParameter({ parameter: 2, forceEncryption: true, forceAuthentication: true, privilege: 2 })], [0xc2]);
  t.same([...encodeSolParameter({ parameter: 8, port: 623 })], [0x6f, 0x02], 'port LS byte first');
  t.end();
});

t.test('parameter decode drops reserved bits and rejects wrong lengths and unknown selectors', (t) => {
  t.same(decodeSolParameter(4, Buffer.from([0xff, 0x10])), { parameter: 4, retryCount: 7, retryInterval: 0x10 });
  t.same(decodeSolParameter(1, Buffer.from([0xfe])), { parameter: 1, enabled: false });
  t.match(t.throws(() => decodeSolParameter(3, Buffer.from([0x01]))), { code: 'ERR_LENGTH' });
  t.match(t.throws(() => decodeSolParameter(1, Buffer.from([0x01, 0x00]))), { code: 'ERR_LENGTH' });
  t.match(t.throws(() => decodeSolParameter(9, Buffer.from([0x01]))), { code: 'ERR_PARAMETER' });
  t.end();
});

t.test('Activate Payload request as "ipmitool sol activate" sends it: 01 01 C6 00 00 00', (t) => {
  const r = decodePayloadInstanceRequest(Buffer.from([0x01, 0x01, 0xc6, 0x00, 0x00, 0x00]));
  t.equal(r.payloadType, 1);
  t.equal(r.instance, 1);
  const aux = r.auxiliary[0];
  t.ok(aux & SolActivationFlag.ENCRYPTION, 'encryption');
  t.ok(aux & SolActivationFlag.AUTHENTICATION, 'authentication');
  t.equal(aux & SolActivationFlag.ALERT_MASK, 0x04, 'serial alerts deferred');
  t.ok(aux & SolActivationFlag.STARTUP_HANDSHAKE, 'CTS/DCD held until the console says');
  t.same([...encodePayloadInstanceRequest(r)], [0x01, 0x01, 0xc6, 0x00, 0x00, 0x00]);
  t.throws(() => decodePayloadInstanceRequest(Buffer.from([0x01, 0x01, 0xc6])), DecodeError);
  t.throws(() => decodePayloadInstanceRequest(Buffer.alloc(7)), DecodeError);
  t.end();
});

t.test('Activate Payload response is exactly 12 bytes, sizes/port/VLAN LS byte first', (t) => {
  const bytes = encodeActivatePayloadResponse({ auxiliary: new Uint8Array(4), inboundPayloadSize: 255, outboundPayloadSize: 0x0104, port: 623, vlan: NO_VLAN });
  t.equal(bytes.length, ACTIVATE_PAYLOAD_RESPONSE_LENGTH);
  t.same([...bytes], [0, 0, 0, 0, 0xff, 0x00, 0x04, 0x01, 0x6f, 0x02, 0xff, 0xff]);
  t.match(decodeActivatePayloadResponse(bytes), { inboundPayloadSize: 255, outboundPayloadSize: 0x104, port: 623, vlan: 0xffff });
  t.throws(() => decodeActivatePayloadResponse(bytes.subarray(0, 11)), DecodeError);
  t.end();
});

t.test('activation status, instance info, channel payload support and version', (t) => {
  const status = encodePayloadActivationStatus({ capacity: 2, active: [1, 9] });
  t.same([...status], [0x02, 0x01, 0x01]);
  t.same(decodePayloadActivationStatus(status), { capacity: 2, active: [1, 9] });
  t.throws(() => encodePayloadActivationStatus({ capacity: 1, active: [17] }), RangeError);

  t.same(decodeGetPayloadInstanceInfoRequest(Buffer.from([0x01, 0x01])), { payloadType: 1, instance: 1 });
  const info = encodePayloadInstanceInfo({ sessionId: 0xa0a2a3a4, portNumber: 1 });
  t.same([...info], [0xa4, 0xa3, 0xa2, 0xa0, 0x01, 0, 0, 0, 0, 0, 0, 0]);
  t.same(decodePayloadInstanceInfo(info), { sessionId: 0xa0a2a3a4, portNumber: 1 });

  const support = encodeChannelPayloadSupport({ standard: [0, 1], sessionSetup: [0x10, 0x11, 0x12, 0x13, 0x14, 0x15], oem: [] });
  t.same([...support], [0x03, 0x00, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00]);
  t.same(decodeChannelPayloadSupport(support).standard, [0, 1]);
  t.throws(() => encodeChannelPayloadSupport({ standard: [0x10], sessionSetup: [], oem: [] }), RangeError);

  t.same(decodeChannelPayloadRequest(Buffer.from([0x0e]), false), { channel: 0x0e, payloadType: 0 });
  t.same(decodeChannelPayloadRequest(Buffer.from([0x01, 0x01]), true), { channel: 1, payloadType: 1 });
  t.throws(() => decodeChannelPayloadRequest(Buffer.from([0x01]), true), DecodeError);
  t.same([...encodePayloadVersion(1, 0)], [0x10]);
  t.same(decodePayloadVersion(Buffer.from([0x10])), { major: 1, minor: 0 });
  t.end();
});
