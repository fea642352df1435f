// The manager killed with SIGKILL mid-transfer, as a real process, and started again on the same database: it
// resumes the rollout (resumeAll), the transfer goes on at the RMC's nextOffset, and every BMC is flashed once.
// The RMCs are scripted stand-ins over loopback UDP (test/helpers/udp-rmcs.ts; the real RMC is being built in
// emulator/rack/).
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFirmware, packFirmwareImage } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { MessageType } from '../../protocols/rollout/header.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';
import { signing, trustedKeys } from '../helpers/rollout-harness.js';
import { ScriptedRmc } from '../helpers/scripted-rmc.js';
import { serveRmcs } from '../helpers/udp-rmcs.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'rollout-manager-child.js');
const keyPem = signing.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

/** Starts a manager process; resolves with it once it printed its first line. */
function manager(path: string, port: number, input: object): Promise<{ kill(): Promise<void>; line: string }> {
  const child = spawn(process.execPath, [CHILD, path, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(JSON.stringify(input));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => { if (signal !== 'SIGKILL') reject(new Error(`manager exited ${code ?? signal}`)); });
    child.stdout.once('data', (d: Buffer) => resolve({
      line: d.toString().trim(),
      kill: () => new Promise((done) => { child.once('exit', () => done()); child.kill('SIGKILL'); }),
    }));
  });
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return check();
}

t.test('kill -9 mid-transfer, start again: the rollout goes on from the RMC\'s nextOffset and ends with every BMC flashed once', async (t) => {
  const rmcs = [1, 2].map((rmcId) => new ScriptedRmc({ rmcId, trustedKeys, bmcCount: 3 }));
  let killed = false;
  // RMC 1 takes its first 3 chunks, then nothing until the manager has been killed
  rmcs[0].dropIn = (m) => !killed && m.type === MessageType.IMAGE_CHUNK && m.body.offset >= 3 * 4096;
  const fleet = await serveRmcs(rmcs);
  t.teardown(() => fleet.close());
  const path = join(mkdtempSync(join(tmpdir(), 'bmcfleet-manager-kill-')), 'manager.db');
  const image = packFirmwareImage(buildFirmware({ deviceId: 0x20, manufacturerId: 32473, productId: 1 }, { major: 2, minor: 0, aux: new Uint8Array(4) }, 100_000), 0);
  const first = await manager(path, fleet.port, {
    keyPem, start: { imageHex: image.toString('hex'), flashTimeMs: Date.now() + 4000, rmcs: rmcs.map((r) => ({ rmcId: r.rmcId, address: r.address, rackName: `rack-${r.rmcId}` })) },
  });
  t.match(first.line, /^started \d+$/);
  const id = Number(first.line.split(' ')[1]);
  const store = new SqliteRolloutStore(path);
  t.teardown(() => store.close());
  const saved = () => store.rmcRuns(id).map((m) => m.stage);
  t.ok(await until(() => rmcs[0].nextOffset === 3 * 4096 && ['verified', 'flashing'].includes(saved()[1]), 5000), 'RMC 2 verified (saved), RMC 1 holds 3 chunks');
  await first.kill();
  killed = true;
  const heardAtKill = rmcs.map((r) => r.heard.length);
  const second = await manager(path, fleet.port, { keyPem });
  t.teardown(() => second.kill());
  t.equal(second.line, `resumed ${id}`);
  t.ok(await until(() => store.run(id)?.status === 'done', 15_000), 'done');
  t.same(rmcs.map((r) => r.flashes), [[1, 1, 1], [1, 1, 1]], 'every BMC flashed once');
  const after = rmcs[0].heard.slice(heardAtKill[0]);
  t.equal(after[0]?.type, MessageType.IMAGE_OFFER, 'RMC 1: the Offer again');
  const firstChunk = after.find((m) => m.type === MessageType.IMAGE_CHUNK);
  t.equal(firstChunk?.type === MessageType.IMAGE_CHUNK && firstChunk.body.offset, 3 * 4096, 'resumed at its nextOffset');
  t.notOk(rmcs[1].heard.slice(heardAtKill[1]).some((m) => m.type === MessageType.IMAGE_OFFER || m.type === MessageType.IMAGE_CHUNK),
    'RMC 2, verified before the kill, gets no image again');
  t.ok(store.bmcs(id).every((b) => b.reported), 'every BMC reported');
});
