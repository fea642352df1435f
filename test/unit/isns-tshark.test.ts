// An independent decoder checks what we encode: messages from encodeMessage are written to a pcap with
// text2pcap (TCP port 3205, iSNS's port) and dissected by tshark. Nothing may show as malformed or as an
// expert error, and tshark must read the values we meant (IPv4 in ::ffff: form, the UDP bit, names).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flag } from '../../protocols/isns/header.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { NodeType, Tag } from '../../protocols/isns/attributes.js';
import { attr } from '../../protocols/isns/tlv.js';
import { encodeMessage, type IsnsMessage } from '../../protocols/isns/codec.js';
import { errorResponseBody } from '../../protocols/isns/message.js';
import { lunAttributes, LunState } from '../../protocols/isns/vendor-lun.js';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function hexdump(pdus: Buffer[]): string {
  return pdus.map((b) => {
    const lines: string[] = [];
    for (let i = 0; i < b.length; i += 16) {
      lines.push(`${i.toString(16).padStart(6, '0')} ${[...b.subarray(i, i + 16)].map((x) => x.toString(16).padStart(2, '0')).join(' ')}`);
    }
    return `${lines.join('\n')}\n`;
  }).join('\n');
}

const iqn = 'iqn.2024-01.test.lab:target1';
const messages: IsnsMessage[] = [
  {
    kind: 'request', functionId: FunctionId.DEV_ATTR_REG, transactionId: 1, flags: Flag.CLIENT | Flag.REPLACE,
    source: attr(Tag.ISCSI_NAME, iqn), key: [attr(Tag.ENTITY_IDENTIFIER, 'bmcfleet.entity.1')],
    operating: [
      attr(Tag.ENTITY_IDENTIFIER, 'bmcfleet.entity.1'), attr(Tag.ENTITY_PROTOCOL, 2), attr(Tag.REGISTRATION_PERIOD, 900),
      attr(Tag.PORTAL_IP_ADDRESS, '127.25.0.2'), attr(Tag.PORTAL_PORT, { port: 3260, udp: false }),
      attr(Tag.ESI_PORT, { port: 17701, udp: true }), attr(Tag.MGMT_IP_ADDRESS, '2001:db8::2'),
      attr(Tag.ISCSI_NAME, iqn), attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET), attr(Tag.ISCSI_ALIAS, 'disk1'),
      ...lunAttributes([{ lun: 0, sizeBytes: 1n << 30n, state: LunState.ONLINE }]),
    ],
  },
  {
    kind: 'response', functionId: FunctionId.DEV_ATTR_QRY_RSP, transactionId: 2, flags: Flag.SERVER, status: 0,
    key: [attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET)],
    operating: [attr(Tag.ISCSI_NAME, iqn), attr(Tag.TIMESTAMP, 1_700_000_000n), attr(Tag.PG_ISCSI_NAME, iqn),
      attr(Tag.PG_PORTAL_IP_ADDR, '127.25.0.2'), attr(Tag.PG_PORTAL_PORT, { port: 3260, udp: false }), attr(Tag.PG_TAG, 1)],
  },
  { kind: 'response', functionId: FunctionId.DEV_GET_NEXT_RSP, transactionId: 3, flags: Flag.SERVER, ...errorResponseBody(9) },
  {
    kind: 'request', functionId: FunctionId.DD_REG, transactionId: 4, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, iqn), key: [],
    operating: [attr(Tag.DD_SYMBOLIC_NAME, 'boot-host1'), attr(Tag.DD_MEMBER_ISCSI_NAME, iqn), attr(Tag.DD_FEATURES, 1)],
  },
  { kind: 'heartbeat', functionId: FunctionId.HEARTBEAT, transactionId: 5, flags: Flag.SERVER, address: '127.25.0.1', tcpPort: 17700, udpPort: 17700, intervalSeconds: 30, counter: 4 },
];

t.test('tshark dissects our PDUs without complaint and reads our values', { skip: have('tshark') && have('text2pcap') ? false : 'tshark/text2pcap not installed' }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-isns-'));
  const pdus = messages.flatMap((m) => encodeMessage(m));
  // plus one message in four PDUs: tshark decodes the attributes of the first and flags the rest as continuations
  const segmented = encodeMessage({ ...(messages[0] as IsnsMessage), transactionId: 6 }, 64);
  t.ok(segmented.length >= 4, `${segmented.length} PDUs`);
  writeFileSync(join(dir, 'dump.txt'), hexdump([...pdus, ...segmented]));
  const mk = spawnSync('text2pcap', ['-q', '-T', '50000,3205', join(dir, 'dump.txt'), join(dir, 'isns.pcap')], { encoding: 'utf8', timeout: 30_000 });
  t.equal(mk.status, 0, `text2pcap: ${mk.stderr}`);
  const r = spawnSync('tshark', ['-r', join(dir, 'isns.pcap'), '-V', '-O', 'isns'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  t.equal(r.status, 0, `tshark: ${r.stderr}`);
  const out = r.stdout;
  t.same(out.split('\n').filter((l) => /Malformed|\(Error\/|Invalid attribute length/.test(l)), [], 'no malformed packet, no expert error');
  t.equal(out.match(/^iSNS$/gm)?.length, pdus.length + segmented.length, 'every PDU dissected as iSNS');
  for (const want of [
    'Function ID: DevAttrReg (1)', 'Flags: 0x9c00, Client, Replace, Last PDU, First PDU',
    `iSCSI Name: ${iqn}`, 'Entity Identifier: bmcfleet.entity.1', 'Registration Period: 900',
    'Portal IP Address: ::ffff:127.25.0.2', 'Portal Port: 3260', 'ESI Port: 17701', 'Management IP Address: 2001:db8::2',
    'iSCSI Alias: disk1', 'Function ID: DevAttrQryRsp (32770)', 'ErrorCode: No Error (0)', 'PG Portal IP Address: ::ffff:127.25.0.2',
    'PG Tag: 1', 'Function ID: DevGetNextRsp (32771)', 'ErrorCode: No such Entry (9)', 'DD Symbolic Name: boot-host1',
    'DD Member iSCSI Name: iqn.2024-01.test.lab:target1', 'Function ID: Heartbeat (14)', 'Heartbeat Address (ipv6): ::ffff:127.25.0.1',
    'Heartbeat TCP Port: 17700', 'Heartbeat Interval (secs): 30', 'Heartbeat counter: 4', 'This is not the first PDU',
  ]) {
    t.ok(out.includes(want), want);
  }
  t.match(out, /ESI Port: 17701[\s\S]{0,80}Port Type: UDP/, 'the UDP bit of the ESI port');
  for (const tag of [641, 642, 643]) t.ok(out.includes(`Attribute Tag: Unknown (${tag})`), `vendor tag ${tag} passes as an attribute`);
  rmSync(dir, { recursive: true, force: true });
  t.end();
});
