// Parameter 0 "set in progress" of LAN (IPMI 2.0 Table 23-4), SOL (Table 26-5) and boot options (Table 28-14): one rule.
import t from 'tap';
import { writeSetInProgress } from '../../emulator/bmc/lan-config.js';
import { SetInProgress } from '../../protocols/ipmi/commands/config-parameters.js';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { fixture } from '../helpers/bmc-command-fixture.js';

// IPMI 2.0 §23.1 / §26.2 / §28.12, CC 81h: "attempt to set the 'set in progress' value (in parameter #0) when not
// in the 'set complete' state". ipmitool (lan set, sol set, chassis bootdev) writes 01b, the parameter, 10b, then 00b.
t.test('the rule: 11b reserved, "set in progress" only from "set complete", anything else stored ([1:0] only)', (t) => {
  const { COMPLETE, IN_PROGRESS, COMMIT_WRITE } = SetInProgress;
  t.equal(writeSetInProgress(COMPLETE, IN_PROGRESS), IN_PROGRESS);
  t.equal(writeSetInProgress(IN_PROGRESS, IN_PROGRESS), 'locked');
  t.equal(writeSetInProgress(IN_PROGRESS, COMMIT_WRITE), COMMIT_WRITE);
  t.equal(writeSetInProgress(IN_PROGRESS, COMPLETE), COMPLETE);
  t.equal(writeSetInProgress(COMMIT_WRITE, IN_PROGRESS), 'locked', 'after a commit write, not "set complete" yet');
  t.equal(writeSetInProgress(COMMIT_WRITE, COMPLETE), COMPLETE);
  t.equal(writeSetInProgress(COMPLETE, COMMIT_WRITE), COMMIT_WRITE);
  t.equal(writeSetInProgress(COMPLETE, 3), 'reserved');
  t.equal(writeSetInProgress(COMPLETE, 0xfd), IN_PROGRESS, 'bits 7:2 are ignored');
  t.end();
});

t.test('the three Set commands answer it alike: OK, 81h locked (also after a commit write), CCh reserved', (t) => {
  const sets: [string, number, number, number[]][] = [
    ['Set LAN Configuration Parameters', 0x0c, 0x01, [0x01, 0x00]],
    ['Set SOL Configuration Parameters', 0x0c, 0x21, [0x01, 0x00]],
    ['Set System Boot Options', 0x00, 0x08, [0x00]],
  ];
  for (const [name, netFn, cmd, prefix] of sets) {
    const f = fixture();
    const set = (v: number) => f.send(netFn, cmd, [...prefix, v]).cc;
    t.same([set(1), set(1), set(3), set(0), set(1)], [CC.OK, 0x81, CC.INVALID_DATA_FIELD, CC.OK, CC.OK], name);
    t.same([set(2), set(1), set(0), set(1), set(2), set(0)], [CC.OK, 0x81, CC.OK, CC.OK, CC.OK, CC.OK], `${name}: ipmitool's sequence after a commit write`);
  }
  t.end();
});
