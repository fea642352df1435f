// faults: what a BMC shows (emulator/bmc/faults.ts FaultSettings): the fleet's, a rack's, one BMC's, and the control
// API's PUT .../faults body. Mistakes are reported at the mapping, naming the field ("faults: lossPercent must be
// 0-100, got 150"), as the control API answers them.
import { z } from 'zod';
import { MAX_FAULT_MS, type FaultSettings } from '../../bmc/faults.js';
import { shown } from './kinds.js';
import { reportedAtSection } from '../../../runtime/document/zod-issues.js';

function milliseconds(name: (path: readonly PropertyKey[]) => string) {
  const error = (issue: { input?: unknown; path?: readonly PropertyKey[] }) => `${name(issue.path ?? [])} must be 0-${MAX_FAULT_MS} ms, got ${shown(issue.input)}`;
  return z.number({ error }).min(0, { error }).max(MAX_FAULT_MS, { error });
}
const named = (name: string) => milliseconds(() => name);

const percentError = (issue: { input?: unknown }) => `lossPercent must be 0-100, got ${shown(issue.input)}`;
const percent = z.number({ error: percentError }).min(0, { error: percentError }).max(100, { error: percentError });

const NETFN_CMD = /^0x[0-9a-f]{2}\/0x[0-9a-f]{2}$/;

export const faultsSection = z.strictObject({
  lossPercent: percent.optional().describe('share of datagrams silently lost, each way, 0-100'),
  latencyMs: named('latencyMs').optional().describe('added to every answer, ms'),
  slowCommands: z.record(
    z.string().regex(NETFN_CMD, { error: (issue) => `slowCommands key must look like "0x06/0x01" (netFn/cmd), got ${shown(issue.input)}` }),
    milliseconds((path) => `slowCommands[${shown(path[path.length - 1])}]`),
    { error: (issue) => issue.code === 'invalid_type' ? `slowCommands must be a mapping like { "0x06/0x01": 200 }, got ${shown(issue.input)}` : undefined },
  ).optional().describe('extra delay for one netFn/command, ms: { "0x0a/0x23": 400 }'),
  busyStallMs: named('busyStallMs').optional().describe('periodic stalls: the BMC stops processing this long (requests queue, then are answered in order)'),
  busyEveryMs: named('busyEveryMs').optional().describe('periodic stalls: one starts this often'),
  firmwareHang: z.boolean({ error: (issue) => `firmwareHang must be true or false, got ${shown(issue.input)}` }).optional()
    .describe('true: the HPM.1 steps that answer 80h (backup, flash write, activation, rollback) never finish'),
} satisfies Record<keyof FaultSettings, z.ZodType>).superRefine((f, ctx) => {
  const stall = f.busyStallMs ?? 0;
  const every = f.busyEveryMs ?? 0;
  if (stall > 0 && every > 0 && stall >= every) ctx.addIssue({ code: 'custom', message: `busyStallMs (${stall}) must be shorter than busyEveryMs (${every})`, input: f });
}).describe('faults the BMCs show; change them at run time through the control API (PUT /faults)');
reportedAtSection.add(faultsSection);
