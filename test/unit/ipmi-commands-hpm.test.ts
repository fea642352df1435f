// The HPM.1 command definitions (protocols/ipmi/commands/hpm.ts) against real bytes: ipmitool 1.8.19's hpm check,
// compprop, upgrade, rollback and abort, captured on lo (test/vectors/ipmi/ipmitool-hpm-vs-bmcfleet.json), then the
// layouts ipmitool reads but the capture does not hold (a 9-byte Upload Firmware Block answer, a status estimate).
import t, { type Test } from 'tap';
import {
  AbortFirmwareUpgrade, ActivateFirmware, ComponentSelector, FinishFirmwareUpload, GetComponentProperties, GetTargetUpgradeCapabilities,
  GetUpgradeStatus, HpmCommand, InitiateManualRollback, InitiateUpgradeAction, QueryRollbackStatus, QuerySelfTestResults, UpgradeAction,
  UpgradeCapability, UploadFirmwareBlock, formatVersion, putVersion, versionAt,
} from '../../protocols/ipmi/commands/hpm.js';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import { ImageAction, decodeHpmImage } from '../../protocols/ipmi/hpm-image.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { capturedMessages } from '../helpers/captured-commands.js';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CAPTURE = 'ipmi/ipmitool-hpm-vs-bmcfleet.json';
const messages = capturedMessages(CAPTURE).filter((m) => m.netFn === NetFn.GROUP_EXTENSION);
const requests = (cmd: number) => messages.filter((m) => m.from === 'client' && m.cmd === cmd);
/** Each request of `cmd` with the BMC's answer, when it answered (during the reboot it did not). */
function exchanges(cmd: number) {
  return messages.flatMap((m, i) => {
    const next = messages[i + 1];
    return m.from === 'client' && m.cmd === cmd && next?.from === 'bmc' && next.cmd === cmd ? [{ request: m, response: next }] : [];
  });
}
const vectorFile = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'vectors', CAPTURE);
const image = decodeHpmImage(Buffer.from((JSON.parse(readFileSync(vectorFile, 'utf8')) as { image: string }).image, 'hex'));

/** decode(request) re-encodes to the bytes ipmitool sent. */
function sameRequestBytes<Req>(tt: Test, def: IpmiCommand<Req, unknown>, data: Uint8Array): Req {
  const req = def.decodeRequest(data);
  tt.same([...def.encodeRequest(req)], [...data], `${def.name}: ${Buffer.from(data).toString('hex')} round-trips`);
  return req;
}

t.test('hpm check: capabilities, then selectors 0, 2, 1, 3, 4 of component 1', (t) => {
  const caps = exchanges(HpmCommand.GET_TARGET_UPGRADE_CAPABILITIES);
  t.ok(caps.length >= 3, 'check, upgrade (twice) and rollback ask');
  for (const x of caps) {
    t.same([...x.request.data], [0x00]);
    t.equal(GetTargetUpgradeCapabilities.decodeRequest(x.request.data), undefined);
  }
  const c = GetTargetUpgradeCapabilities.decodeResponse(caps[0].response.data, undefined);
  t.same(c, {
    hpmVersion: 0, components: 0x02, upgradeTimeout: 12, selfTestTimeout: 12, rollbackTimeout: 12, inaccessibilityTimeout: 12,
    capabilities: UpgradeCapability.SELF_TEST | UpgradeCapability.AUTOMATIC_ROLLBACK | UpgradeCapability.MANUAL_ROLLBACK | UpgradeCapability.DEFERRED_ACTIVATION,
  });
  t.same([...GetTargetUpgradeCapabilities.encodeResponse(c)], [...caps[0].response.data]);

  const props = exchanges(HpmCommand.GET_COMPONENT_PROPERTIES);
  t.same(props.slice(0, 5).map((x) => [...x.request.data]), [[0, 1, 0], [0, 1, 2], [0, 1, 1], [0, 1, 3], [0, 1, 4]], 'ipmitool\'s order');
  const read = props.slice(0, 5).map((x) => {
    const req = sameRequestBytes(t, GetComponentProperties, x.request.data);
    const value = GetComponentProperties.decodeResponse(x.response.data, req);
    t.same([...GetComponentProperties.encodeResponse(value)], [...x.response.data], `selector ${req.selector} re-encodes`);
    return value;
  });
  t.same(read[0], { selector: 0, rollback: 2, preparation: true, comparison: false, deferredActivation: true, payloadColdReset: false });
  t.same(read[1], { selector: ComponentSelector.DESCRIPTION, description: 'BMC firmware' });
  t.same(read[2], { selector: ComponentSelector.CURRENT_VERSION, version: { major: 1, minor: 0, aux: new Uint8Array(4) } });
  t.same(read[3], { selector: ComponentSelector.ROLLBACK_VERSION, version: null }, 'FF FF ...: no backup yet');
  t.same(read[4], { selector: ComponentSelector.DEFERRED_VERSION, version: null });
  const absent = props.find((x) => x.request.data[1] === 0)!;
  t.equal(absent.response.completionCode, 0x82, 'component 0 is not there: 82h, invalid component ID');
  t.end();
});

t.test('hpm upgrade: backup, prepare, upload; blocks that add up to the image\'s firmware; finish; activate with 1 byte', (t) => {
  const upload = image.actions.find((a) => a.type === ImageAction.UPLOAD_FIRMWARE)!;
  if (upload.type !== ImageAction.UPLOAD_FIRMWARE) throw new Error('no upload in the vector image');
  const actions = requests(HpmCommand.INITIATE_UPGRADE_ACTION).map((m) => sameRequestBytes(t, InitiateUpgradeAction, m.data));
  t.same(actions, [UpgradeAction.BACKUP, UpgradeAction.PREPARE, UpgradeAction.UPLOAD_FOR_UPGRADE].map((action) => ({ components: 0x02, action })));

  const blocks = requests(HpmCommand.UPLOAD_FIRMWARE_BLOCK).map((m) => sameRequestBytes(t, UploadFirmwareBlock, m.data));
  t.same(blocks.map((b) => b.blockNumber), [0, 1], 'numbered from 0');
  t.same(blocks.map((b) => b.data.length), [62, 58], '-z 64: 62 bytes a block');
  t.same(Buffer.concat(blocks.map((b) => b.data)), Buffer.from(upload.firmware), 'the blocks are the image\'s firmware');
  for (const x of exchanges(HpmCommand.UPLOAD_FIRMWARE_BLOCK)) t.same(UploadFirmwareBlock.decodeResponse(x.response.data, blocks[0]), {});

  const [finish] = requests(HpmCommand.FINISH_FIRMWARE_UPLOAD);
  t.same(sameRequestBytes(t, FinishFirmwareUpload, finish.data), { component: 1, imageLength: upload.firmware.length });

  const [activate] = requests(HpmCommand.ACTIVATE_FIRMWARE);
  t.same([...activate.data], [0x00], 'ipmitool\'s "activate" sends the identifier alone');
  t.same(sameRequestBytes(t, ActivateFirmware, activate.data), {});
  t.same([...ActivateFirmware.encodeRequest({ rollbackOverride: 1 })], [0x00, 0x01], '"activate norollback"');
  t.same(ActivateFirmware.decodeRequest(Uint8Array.of(0x00, 0xbc)), { rollbackOverride: 0xbc }, 'ipmiutil\'s stray second byte decodes');

  const statuses = exchanges(HpmCommand.GET_UPGRADE_STATUS).map((x) => GetUpgradeStatus.decodeResponse(x.response.data, undefined));
  t.same(statuses.map((s) => [s.command, s.completionCode]), [
    [0x31, 0x80], [0x31, 0x00], [0x33, 0x80], [0x33, 0x00], [0x35, 0x80], [0x35, 0x00],
  ], 'each long step in progress, then done (the last one after the reboot)');
  const [selfTest] = exchanges(HpmCommand.QUERY_SELF_TEST_RESULTS);
  t.same(QuerySelfTestResults.decodeResponse(selfTest.response.data, undefined), { result: 0x55, detail: 0 });
  t.end();
});

t.test('hpm rollback and hpm abort', (t) => {
  const [rollback] = requests(HpmCommand.INITIATE_MANUAL_ROLLBACK);
  t.same([...rollback.data], [0x00]);
  t.equal(InitiateManualRollback.decodeRequest(rollback.data), undefined);
  const statuses = exchanges(HpmCommand.QUERY_ROLLBACK_STATUS);
  t.same(QueryRollbackStatus.decodeResponse(statuses[statuses.length - 1].response.data, undefined), { components: 0x02 });
  const [abort] = exchanges(HpmCommand.ABORT_FIRMWARE_UPGRADE);
  t.equal(AbortFirmwareUpgrade.decodeRequest(abort.request.data), undefined);
  t.equal(AbortFirmwareUpgrade.decodeResponse(abort.response.data, undefined), undefined);
  t.end();
});

t.test('layouts the capture does not show', (t) => {
  const next = { nextSection: { offset: 0x10000, length: 0x2000 } };
  const bytes = UploadFirmwareBlock.encodeResponse(next);
  t.same([...bytes], [0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x20, 0x00, 0x00]);
  t.same(UploadFirmwareBlock.decodeResponse(bytes, { blockNumber: 0, data: new Uint8Array(1) }), next);
  t.match(t.throws(() => UploadFirmwareBlock.decodeResponse(bytes.subarray(0, 5), { blockNumber: 0, data: new Uint8Array(1) })),
    { code: 'ERR_TRUNCATED' }, 'an offset without its length');
  t.same(GetUpgradeStatus.decodeResponse(Uint8Array.of(0, 0x33, 0x80, 0x2a), undefined), { command: 0x33, completionCode: 0x80, percentDone: 42 });
  t.same([...QueryRollbackStatus.encodeResponse({ components: 2, percentDone: 50 })], [0, 2, 50]);
  t.end();
});

t.test('versions: BCD minor, "no version", and the checks', (t) => {
  const out = new Uint8Array(6);
  putVersion(out, 0, { major: 2, minor: 15, aux: Uint8Array.of(1, 2, 3, 4) });
  t.same([...out], [0x02, 0x15, 1, 2, 3, 4], 'minor 15 goes as 15h');
  t.equal(formatVersion(versionAt(out, 0, 'v')), '2.15');
  putVersion(out, 0, null);
  t.same([...out], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  t.equal(versionAt(Uint8Array.of(0x7f, 0xff, 0, 0, 0, 0), 0, 'v'), null, '7Fh FFh is "no version" too');
  t.equal(formatVersion(null), '---.--');
  t.match(t.throws(() => versionAt(Uint8Array.of(1, 0x1a, 0, 0, 0, 0), 0, 'v')), { code: 'ERR_RANGE', offset: 1 }, '1Ah is not BCD');
  t.throws(() => putVersion(out, 0, { major: 128, minor: 0, aux: new Uint8Array(4) }), RangeError);
  t.throws(() => putVersion(out, 0, { major: 1, minor: 100, aux: new Uint8Array(4) }), RangeError);
  t.end();
});

t.test('malformed requests: length (C7h at the BMC) and another defining body', (t) => {
  t.match(t.throws(() => GetComponentProperties.decodeRequest(Uint8Array.of(0, 1))), { code: 'ERR_LENGTH' });
  t.match(t.throws(() => UploadFirmwareBlock.decodeRequest(Uint8Array.of(0, 7))), { code: 'ERR_LENGTH' }, 'a block with no data');
  t.match(t.throws(() => FinishFirmwareUpload.decodeRequest(Uint8Array.of(0, 1, 0, 0, 0))), { code: 'ERR_LENGTH' });
  t.match(t.throws(() => ActivateFirmware.decodeRequest(Uint8Array.of(0, 1, 2))), { code: 'ERR_LENGTH' });
  t.match(t.throws(() => GetUpgradeStatus.decodeRequest(Uint8Array.of(0x03))), { code: 'ERR_GROUP' }, 'VITA\'s identifier');
  t.match(t.throws(() => GetUpgradeStatus.decodeResponse(Uint8Array.of(0xdc, 0x31, 0), undefined)), { code: 'ERR_GROUP' });
  t.match(t.throws(() => GetComponentProperties.decodeResponse(Uint8Array.of(0, 1, 0), { component: 1, selector: 1 })), { code: 'ERR_TRUNCATED' });
  t.match(t.throws(() => GetComponentProperties.decodeResponse(Uint8Array.of(0, 1, 2, 3, 4), { component: 1, selector: 0xc0 })), { code: 'ERR_RANGE' },
    'OEM selectors are not read');
  t.end();
});
