// App command codecs (protocols/ipmi/commands/device.ts, channel.ts, users.ts) on real bytes: ipmitool's requests
// and ipmi_sim's answers from the capture (test/helpers/captured-commands.ts), the emulator's own answers, and the
// bytes ipmitool sends for "user" and "channel" commands; then both sides at once, a client's encoded request
// through the BMC's handlers and back through the decoder.
import t from 'tap';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import {
  AccessMode, AccessTarget, ChannelMedium, ChannelProtocol, GetChannelAccess, GetChannelInfo, IPMI_FORUM_IANA, SessionSupport,
  SetChannelAccess,
} from '../../protocols/ipmi/commands/channel.js';
import {
  ColdReset, DeviceSupport, GetDeviceGuid, GetDeviceId, GetSelfTestResults, GetSystemGuid, SelfTestResult, WarmReset,
} from '../../protocols/ipmi/commands/device.js';
import {
  GetSessionInfo, GetUserAccess, GetUserName, PasswordOperation, SetUserAccess, SetUserName, SetUserPassword, UserEnableStatus,
} from '../../protocols/ipmi/commands/users.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { fixture, padded } from '../helpers/bmc-command-fixture.js';
import { capturedRequests, capturedResponses } from '../helpers/captured-commands.js';
import { tryCommand as call } from '../helpers/bmc-command-fixture.js';

// What the decoders are told was asked (only a configuration parameter's answer depends on it).
const ASK_CHANNEL = { channel: 1 };
const ASK_ACCESS = { channel: 1, target: AccessTarget.VOLATILE };
const ASK_USER = { channel: 1, userId: 2 };
const ASK_NAME = { userId: 2 };
const ASK_CURRENT = { by: 'current' } as const;

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');
const bytes = (b: Uint8Array) => [...b];

/** A client's call through the BMC's command table: encode, dispatch, decode; { cc } for a completion code other than 00h. */

t.test('the definitions carry the spec\'s netFn, command and privilege (Appendix G)', (t) => {
  const table: Array<[Pick<IpmiCommand<unknown, unknown>, 'name' | 'netFn' | 'cmd' | 'privilege'>, string, number, number, number]> = [
    [GetDeviceId, 'Get Device ID', NetFn.APP, 0x01, Privilege.USER],
    [ColdReset, 'Cold Reset', NetFn.APP, 0x02, Privilege.ADMINISTRATOR],
    [WarmReset, 'Warm Reset', NetFn.APP, 0x03, Privilege.ADMINISTRATOR],
    [GetSelfTestResults, 'Get Self Test Results', NetFn.APP, 0x04, Privilege.USER],
    [GetDeviceGuid, 'Get Device GUID', NetFn.APP, 0x08, Privilege.USER],
    [GetSystemGuid, 'Get System GUID', NetFn.APP, 0x37, Privilege.CALLBACK],
    [GetSessionInfo, 'Get Session Info', NetFn.APP, 0x3d, Privilege.USER],
    [SetChannelAccess, 'Set Channel Access', NetFn.APP, 0x40, Privilege.ADMINISTRATOR],
    [GetChannelAccess, 'Get Channel Access', NetFn.APP, 0x41, Privilege.USER],
    [GetChannelInfo, 'Get Channel Info', NetFn.APP, 0x42, Privilege.USER],
    [SetUserAccess, 'Set User Access', NetFn.APP, 0x43, Privilege.ADMINISTRATOR],
    [GetUserAccess, 'Get User Access', NetFn.APP, 0x44, Privilege.OPERATOR],
    [SetUserName, 'Set User Name', NetFn.APP, 0x45, Privilege.ADMINISTRATOR],
    [GetUserName, 'Get User Name', NetFn.APP, 0x46, Privilege.OPERATOR],
    [SetUserPassword, 'Set User Password', NetFn.APP, 0x47, Privilege.ADMINISTRATOR],
  ];
  for (const [def, name, netFn, cmd, privilege] of table) t.same([def.name, def.netFn, def.cmd, def.privilege], [name, netFn, cmd, privilege], name);
  t.end();
});

t.test('Get Device ID: ipmitool\'s empty requests, ipmi_sim\'s answer (Table 20-2)', (t) => {
  const requests = capturedRequests(NetFn.APP, 0x01);
  t.ok(requests.length >= 10, `${requests.length} captured requests`);
  for (const r of requests) t.equal(GetDeviceId.decodeRequest(r), undefined);
  t.same(bytes(GetDeviceId.encodeRequest()), []);
  const answers = capturedResponses(NetFn.APP, 0x01);
  t.ok(answers.length >= 10);
  const sim = hex('00 03 09 08 02 9f 91 12 00 02 0f 00 00 00 00');
  for (const a of answers) t.same(bytes(a), bytes(sim), 'ipmi_sim answers the same every time');
  const id = GetDeviceId.decodeResponse(sim);
  t.match(id, {
    deviceId: 0, providesDeviceSdrs: false, deviceRevision: 3, updateInProgress: false, firmwareMajor: 9, firmwareMinor: 8,
    ipmiMajor: 2, ipmiMinor: 0, manufacturerId: 0x001291, productId: 0x0f02,
  });
  t.equal(id.additionalSupport, 0x9f);
  t.ok(id.additionalSupport & DeviceSupport.CHASSIS && id.additionalSupport & DeviceSupport.SEL);
  t.same(bytes(id.auxFirmware!), [0, 0, 0, 0]);
  t.same(bytes(GetDeviceId.encodeResponse(id)), bytes(sim), 'byte for byte');
  t.end();
});

t.test('Get Device ID: the emulator\'s answer, BCD minor, the optional aux bytes, bad lengths', (t) => {
  const ours = hex('20 01 03 47 02 8f de bc 0a 34 12 01 02 03 04'); // bmc-commands-app.test: firmware 3.47
  const id = GetDeviceId.decodeResponse(ours);
  t.match(id, { deviceId: 0x20, deviceRevision: 1, firmwareMajor: 3, firmwareMinor: 47, manufacturerId: 0x0abcde, productId: 0x1234 });
  t.same(bytes(GetDeviceId.encodeResponse(id)), bytes(ours));
  const short = GetDeviceId.decodeResponse(ours.subarray(0, 11));
  t.equal(short.auxFirmware, undefined, 'aux firmware is optional');
  t.same(bytes(GetDeviceId.encodeResponse(short)), bytes(ours.subarray(0, 11)));
  t.equal(GetDeviceId.decodeResponse(hex('00 00 85 00 02 00 00 00 00 00 00')).updateInProgress, true);
  t.throws(() => GetDeviceId.decodeResponse(ours.subarray(0, 10)), { name: 'DecodeError', code: 'ERR_TRUNCATED' });
  t.throws(() => GetDeviceId.decodeRequest(hex('00')), { name: 'DecodeError', code: 'ERR_LENGTH' });
  t.end();
});

t.test('Get Device ID from a BMC whose firmware minor byte is not BCD: read, kept, sent back as it came', (t) => {
  const notBcd = hex('00 00 01 0a 02 00 00 00 00 00 00'); // ipmitool prints firmware "1.0a"
  const id = GetDeviceId.decodeResponse(notBcd);
  t.equal(id.firmwareMajor, 1);
  t.equal(id.firmwareMinorByte, 0x0a, 'the byte as sent');
  t.notOk('firmwareMinor' in id, 'no decimal minor for a byte that is not two BCD digits');
  t.same(bytes(GetDeviceId.encodeResponse(id)), bytes(notBcd), 'encodes back to the same byte');
  const bcd = GetDeviceId.decodeResponse(hex('00 00 01 47 02 00 00 00 00 00 00'));
  t.match(bcd, { firmwareMinor: 47, firmwareMinorByte: 0x47 }, 'a BCD byte: both');
  t.same(bytes(GetDeviceId.encodeResponse({ ...bcd, firmwareMinorByte: 0x99 })).slice(3, 4), [0x47], 'the decimal wins when both are given');
  t.end();
});

t.test('Get Self Test Results, resets and GUIDs', (t) => {
  t.same(GetSelfTestResults.decodeResponse(hex('55 00')), { result: SelfTestResult.NO_ERROR, detail: 0 });
  t.same(bytes(GetSelfTestResults.encodeResponse({ result: SelfTestResult.DEVICE_ERROR, detail: 0x0c })), [0x57, 0x0c]);
  t.same(bytes(ColdReset.encodeResponse()), []);
  t.throws(() => WarmReset.decodeRequest(hex('01')), { code: 'ERR_LENGTH' });
  const guid = hex('00112233445566778899aabbccddeeff');
  t.same(bytes(GetSystemGuid.decodeResponse(guid).guid), bytes(guid));
  t.equal(GetDeviceGuid.encodeResponse({ guid }), guid, 'sent as held, not copied');
  t.throws(() => GetDeviceGuid.decodeResponse(guid.subarray(1)), { code: 'ERR_TRUNCATED' });
  t.throws(() => GetSystemGuid.encodeResponse({ guid: guid.subarray(1) }), RangeError);
  t.end();
});

t.test('Get Channel Info: ipmitool\'s request and ipmi_sim\'s answer (Table 22-28)', (t) => {
  const requests = capturedRequests(NetFn.APP, 0x42);
  t.ok(requests.length >= 1);
  for (const r of requests) {
    t.same(GetChannelInfo.decodeRequest(r), { channel: 1 });
    t.same(bytes(GetChannelInfo.encodeRequest({ channel: 1 })), bytes(r));
  }
  const [answer] = capturedResponses(NetFn.APP, 0x42);
  t.same(bytes(answer), bytes(hex('01 04 01 84 f2 1b 00 00 00')));
  const info = GetChannelInfo.decodeResponse(answer, ASK_CHANNEL);
  t.match(info, {
    channel: 1, medium: ChannelMedium.LAN_802_3, protocol: ChannelProtocol.IPMB_1_0, sessionSupport: SessionSupport.MULTI_SESSION,
    activeSessions: 4, vendorId: IPMI_FORUM_IANA,
  });
  t.same(bytes(GetChannelInfo.encodeResponse(info)), bytes(answer));
  t.same(GetChannelInfo.decodeRequest(hex('0e')), { channel: 0x0e }, 'this channel');
  t.throws(() => GetChannelInfo.decodeRequest(hex('01 00')), { code: 'ERR_LENGTH' });
  t.throws(() => GetChannelInfo.decodeResponse(answer.subarray(0, 8), ASK_CHANNEL), { code: 'ERR_TRUNCATED' });
  t.end();
});

t.test('Get/Set Channel Access: the copy selectors, the access byte, reserved selectors kept for the BMC to refuse', (t) => {
  t.same(GetChannelAccess.decodeRequest(hex('01 80')), { channel: 1, target: AccessTarget.VOLATILE });
  t.same(GetChannelAccess.decodeRequest(hex('0e 40')), { channel: 0x0e, target: AccessTarget.NON_VOLATILE });
  t.same(GetChannelAccess.decodeRequest(hex('01 c0')).target, 3);
  t.same(bytes(GetChannelAccess.encodeRequest({ channel: 1, target: AccessTarget.VOLATILE })), [0x01, 0x80]);
  const settings = GetChannelAccess.decodeResponse(hex('23 04'), ASK_ACCESS);
  t.same(settings, {
    alertingDisabled: true, perMessageAuthDisabled: false, userLevelAuthDisabled: false, accessMode: AccessMode.SHARED,
    privilegeLimit: Privilege.ADMINISTRATOR,
  });
  t.same(bytes(GetChannelAccess.encodeResponse(settings)), [0x23, 0x04]);

  const set = hex('01 63 83'); // non-volatile: alerting off, shared; volatile privilege limit: operator
  const req = SetChannelAccess.decodeRequest(set);
  t.same(req, {
    channel: 1, accessTarget: AccessTarget.NON_VOLATILE, alertingDisabled: true, perMessageAuthDisabled: false,
    userLevelAuthDisabled: false, accessMode: AccessMode.SHARED, privilegeTarget: AccessTarget.VOLATILE, privilegeLimit: Privilege.OPERATOR,
  });
  t.same(bytes(SetChannelAccess.encodeRequest(req)), bytes(set));
  t.same(SetChannelAccess.decodeRequest(hex('01 18 00')), {
    channel: 1, accessTarget: AccessTarget.NONE, alertingDisabled: false, perMessageAuthDisabled: true, userLevelAuthDisabled: true,
    accessMode: 0, privilegeTarget: AccessTarget.NONE, privilegeLimit: 0,
  });
  t.throws(() => SetChannelAccess.decodeRequest(hex('01 40')), { code: 'ERR_LENGTH' });
  t.end();
});

t.test('Get User Access: ipmitool "user list 1" against ipmi_sim (Table 22-29)', (t) => {
  const requests = capturedRequests(NetFn.APP, 0x44);
  t.equal(requests.length, 63, 'ipmi_sim reports 63 user IDs, so ipmitool asks for each');
  requests.forEach((r, i) => {
    t.same(GetUserAccess.decodeRequest(r), { channel: 1, userId: i + 1 });
    t.same(bytes(GetUserAccess.encodeRequest({ channel: 1, userId: i + 1 })), bytes(r));
  });
  const answers = capturedResponses(NetFn.APP, 0x44);
  t.same(GetUserAccess.decodeResponse(answers[0], ASK_USER), {
    maxUsers: 63, enableStatus: UserEnableStatus.UNSPECIFIED, enabledCount: 2, fixedNameCount: 1,
    callbackOnly: false, linkAuth: false, ipmiMessaging: true, privilegeLimit: Privilege.USER,
  });
  t.match(GetUserAccess.decodeResponse(answers[1], ASK_USER), { ipmiMessaging: true, privilegeLimit: Privilege.ADMINISTRATOR });
  for (const a of answers) t.same(bytes(GetUserAccess.encodeResponse(GetUserAccess.decodeResponse(a, ASK_USER))), bytes(a));
  // the emulator's user 1: disabled by Set User Password, no access
  t.match(GetUserAccess.decodeResponse(hex('10 81 01 0f'), ASK_USER), { maxUsers: 16, enableStatus: UserEnableStatus.DISABLED, enabledCount: 1, privilegeLimit: Privilege.NO_ACCESS });
  t.throws(() => GetUserAccess.decodeResponse(hex('10 81 01'), ASK_USER), { code: 'ERR_TRUNCATED' });
  t.end();
});

t.test('Set User Access: ipmitool "user priv" (limit only) and "channel setaccess" (access bits too)', (t) => {
  const priv = hex('01 03 02 00');
  const limitOnly = SetUserAccess.decodeRequest(priv);
  t.same(limitOnly, { channel: 1, userId: 3, privilegeLimit: Privilege.USER, sessionLimit: 0 });
  t.same(bytes(SetUserAccess.encodeRequest(limitOnly)), bytes(priv));
  const setaccess = hex('f1 03 03');
  const withBits = SetUserAccess.decodeRequest(setaccess);
  t.same(withBits, { channel: 1, userId: 3, privilegeLimit: Privilege.OPERATOR, access: { callbackOnly: true, linkAuth: true, ipmiMessaging: true } });
  t.same(bytes(SetUserAccess.encodeRequest(withBits)), bytes(setaccess));
  t.same(bytes(SetUserAccess.encodeRequest({ channel: 1, userId: 4, privilegeLimit: 4, access: { callbackOnly: false, linkAuth: false, ipmiMessaging: false } })),
    [0x81, 0x04, 0x04], 'bit 7 alone: clear all three');
  t.throws(() => SetUserAccess.decodeRequest(hex('01 03')), { code: 'ERR_LENGTH' });
  t.throws(() => SetUserAccess.decodeRequest(hex('01 03 02 00 00')), { code: 'ERR_LENGTH' });
  t.end();
});

t.test('Get/Set User Name: 16 bytes, NUL padded', (t) => {
  const requests = capturedRequests(NetFn.APP, 0x46);
  t.equal(requests.length, 63);
  requests.forEach((r, i) => t.same(GetUserName.decodeRequest(r), { userId: i + 1 }));
  const answers = capturedResponses(NetFn.APP, 0x46);
  t.same(GetUserName.decodeResponse(answers[0], ASK_NAME), { name: 'admin' }, 'user 2 (ipmi_sim answers CCh for user 1)');
  t.same(GetUserName.decodeResponse(answers[1], ASK_NAME), { name: '' });
  for (const a of answers) t.same(bytes(GetUserName.encodeResponse(GetUserName.decodeResponse(a, ASK_NAME))), bytes(a));
  t.throws(() => GetUserName.encodeResponse({ name: 'seventeen-letters' }), RangeError);

  const set = Uint8Array.from([0x03, ...padded('bob', 16)]);
  t.same(SetUserName.decodeRequest(set), { userId: 3, name: 'bob' });
  t.same(bytes(SetUserName.encodeRequest({ userId: 3, name: 'bob' })), bytes(set));
  t.same(SetUserName.decodeRequest(Uint8Array.from([0x04, ...padded('sixteen-letters!', 16)])).name, 'sixteen-letters!');
  t.throws(() => SetUserName.decodeRequest(set.subarray(0, 16)), { code: 'ERR_LENGTH' });
  t.end();
});

t.test('Set User Password: the 16- and 20-byte forms; enable and disable with or without the field', (t) => {
  const set16 = Uint8Array.from([0x03, 0x02, ...padded('secret', 16)]);
  const r16 = SetUserPassword.decodeRequest(set16);
  t.match(r16, { userId: 3, operation: PasswordOperation.SET_PASSWORD, size: 16 });
  t.same(bytes(r16.password!), padded('secret', 16), 'the whole field');
  t.same(bytes(SetUserPassword.encodeRequest({ userId: 3, operation: PasswordOperation.SET_PASSWORD, size: 16, password: Buffer.from('secret') })),
    bytes(set16), 'padded when encoded');
  const test20 = Uint8Array.from([0x82, 0x03, ...padded('twenty-byte-password', 20)]);
  t.match(SetUserPassword.decodeRequest(test20), { userId: 2, operation: PasswordOperation.TEST_PASSWORD, size: 20 });
  t.same(bytes(SetUserPassword.encodeRequest(SetUserPassword.decodeRequest(test20))), bytes(test20));

  t.same(SetUserPassword.decodeRequest(hex('03 01')), { userId: 3, operation: PasswordOperation.ENABLE_USER, size: 16 });
  t.same(bytes(SetUserPassword.encodeRequest({ userId: 3, operation: PasswordOperation.ENABLE_USER, size: 16 })), [0x03, 0x01]);
  const ipmitoolDisable = Uint8Array.from([0x02, 0x00, ...padded('', 16)]);
  t.equal(SetUserPassword.decodeRequest(ipmitoolDisable).password?.length, 16, 'ipmitool sends a zeroed field');

  t.throws(() => SetUserPassword.decodeRequest(hex('03')), { code: 'ERR_LENGTH' });
  t.throws(() => SetUserPassword.decodeRequest(hex('03 02')), { code: 'ERR_LENGTH' }, 'set needs the password');
  t.throws(() => SetUserPassword.decodeRequest(Uint8Array.from([0x83, 0x02, ...padded('x', 16)])), { code: 'ERR_LENGTH' }, '20-byte flag, 16 bytes');
  t.throws(() => SetUserPassword.encodeRequest({ userId: 3, operation: PasswordOperation.TEST_PASSWORD, size: 16 }), RangeError);
  t.throws(() => SetUserPassword.encodeRequest({ userId: 3, operation: PasswordOperation.SET_PASSWORD, size: 16, password: Buffer.alloc(17) }), RangeError);
  t.end();
});

t.test('Get Session Info: the four selectors; the emulator\'s answers (Table 22-21)', (t) => {
  const selectors: Array<[string, Parameters<typeof GetSessionInfo.encodeRequest>[0]]> = [
    ['00', { by: 'current' }], ['02', { by: 'index', index: 2 }], ['fe 07', { by: 'handle', handle: 7 }],
    ['ff d0 c0 b0 a0', { by: 'id', sessionId: 0xa0b0c0d0 }],
  ];
  for (const [data, selector] of selectors) {
    t.same(GetSessionInfo.decodeRequest(hex(data)), selector, data);
    t.same(bytes(GetSessionInfo.encodeRequest(selector)), bytes(hex(data)));
  }
  for (const bad of ['', '00 01', 'fe', 'fe 07 00', 'ff 01 02 03', '02 00']) {
    t.throws(() => GetSessionInfo.decodeRequest(hex(bad)), { code: 'ERR_LENGTH' }, `"${bad}"`);
  }
  t.throws(() => GetSessionInfo.encodeRequest({ by: 'index', index: 0 }), RangeError);

  const current = hex('03 08 01 02 04 11 c0 a8 07 09 00 00 00 00 00 00 51 c3'); // bmc-commands-app.test
  const info = GetSessionInfo.decodeResponse(current, ASK_CURRENT);
  t.same(info.session?.lan?.port, 0xc351);
  t.match(info, { handle: 3, slots: 8, activeCount: 1, session: { userId: 2, privilege: Privilege.ADMINISTRATOR, protocol: 'v2.0', channel: 1 } });
  t.same(bytes(info.session!.lan!.ip), [192, 168, 7, 9]);
  t.same(bytes(GetSessionInfo.encodeResponse(info)), bytes(current));
  t.same(GetSessionInfo.decodeResponse(hex('00 08 02'), ASK_CURRENT), { handle: 0, slots: 8, activeCount: 2 }, 'no such session');
  t.same(bytes(GetSessionInfo.encodeResponse({ handle: 0, slots: 8, activeCount: 2 })), [0, 8, 2]);
  t.same(GetSessionInfo.decodeResponse(hex('05 04 01 03 02 02 01 01'), ASK_CURRENT).session, { userId: 3, privilege: 2, protocol: 'v1.5', channel: 2 },
    'a serial channel: no LAN fields');
  const reserved = GetSessionInfo.decodeResponse(hex('03 08 01 02 04 21'), ASK_CURRENT);
  t.same(reserved.session, { userId: 2, privilege: 4, protocol: 'reserved', protocolBits: 2, channel: 1 }, 'protocol 2 is reserved: read as such');
  t.same(bytes(GetSessionInfo.encodeResponse(reserved)), [0x03, 0x08, 0x01, 0x02, 0x04, 0x21], 'and sent back as 2');
  t.end();
});

t.test('both sides: a client\'s encoded requests through the BMC\'s handlers, decoded back', (t) => {
  const f = fixture({ device: { firmwareMajor: 3, firmwareMinor: 47 } });
  t.match(call(f, GetDeviceId, undefined), { deviceId: 0x20, firmwareMajor: 3, firmwareMinor: 47, ipmiMajor: 2, ipmiMinor: 0, manufacturerId: 32473 });
  t.same(call(f, GetSelfTestResults, undefined), { result: SelfTestResult.NO_ERROR, detail: 0 });
  t.same(bytes((call(f, GetSystemGuid, undefined) as { guid: Uint8Array }).guid), [...f.model.guid]);
  t.match(call(f, GetChannelInfo, { channel: 0x0e }), { channel: 1, medium: ChannelMedium.LAN_802_3, activeSessions: 1 });
  t.same(call(f, GetChannelInfo, { channel: 2 }), { cc: 0xcc });
  t.same(call(f, SetChannelAccess, {
    channel: 1, accessTarget: AccessTarget.VOLATILE, alertingDisabled: true, perMessageAuthDisabled: false, userLevelAuthDisabled: false,
    accessMode: AccessMode.PRE_BOOT_ONLY, privilegeTarget: AccessTarget.NONE, privilegeLimit: 0,
  }), undefined);
  t.match(call(f, GetChannelAccess, { channel: 1, target: AccessTarget.VOLATILE }), { alertingDisabled: true, accessMode: AccessMode.PRE_BOOT_ONLY });
  t.same(call(f, SetUserName, { userId: 5, name: 'carol' }), undefined);
  t.same(call(f, SetUserPassword, { userId: 5, operation: PasswordOperation.SET_PASSWORD, size: 20, password: Buffer.from('pw') }), undefined);
  t.same(call(f, SetUserPassword, { userId: 5, operation: PasswordOperation.TEST_PASSWORD, size: 16, password: Buffer.from('pw') }), { cc: 0x81 });
  t.same(call(f, SetUserAccess, { channel: 1, userId: 5, privilegeLimit: Privilege.OPERATOR, access: { callbackOnly: false, linkAuth: false, ipmiMessaging: true } }), undefined);
  t.same(call(f, SetUserPassword, { userId: 5, operation: PasswordOperation.ENABLE_USER, size: 16 }), undefined);
  t.same(call(f, GetUserName, { userId: 5 }), { name: 'carol' });
  t.match(call(f, GetUserAccess, { channel: 1, userId: 5 }), { enableStatus: UserEnableStatus.ENABLED, enabledCount: 2, ipmiMessaging: true, privilegeLimit: Privilege.OPERATOR });
  t.match(call(f, GetSessionInfo, { by: 'current' }), { handle: 3, session: { userId: 2, protocol: 'v2.0' } });
  t.end();
});
