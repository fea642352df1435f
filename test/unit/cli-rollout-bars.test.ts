// `rollout status --watch` on a terminal (cli/rollout-watch.ts): progress bars, one for the rollout and one per rack,
// drawn to a stream that says it is a TTY, from the statuses an in-memory manager (fake-rollout-service.ts) gives.
import t from 'tap';
import { Writable } from 'node:stream';
import { buildFirmware, packFirmwareImage } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { watchRollout } from '../../cli/rollout-watch.js';
import type { ManagerClient } from '../../cli/manager-client.js';
import { FakeRolloutService } from '../helpers/fake-rollout-service.js';

const IMAGE = packFirmwareImage(buildFirmware({ deviceId: 0x20, manufacturerId: 32473, productId: 1 }, { major: 1, minor: 2, aux: new Uint8Array(4) }, 2048), 1_700_000_000);

/** A terminal 120 columns wide that keeps what is drawn. */
class Terminal extends Writable {
  readonly isTTY = true;
  readonly columns = 120;
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

t.test('on a terminal: a bar for the rollout and one per rack, drawn until the rollout ends, then its status', async (t) => {
  const service = new FakeRolloutService();
  const id = service.start({
    image: IMAGE, flashTimeMs: Date.now() + 60_000,
    rmcs: [{ rmcId: 1, address: '127.74.1.250', rackName: 'rack-1' }, { rmcId: 2, address: '127.74.2.250', rackName: 'rack-2' }],
  });
  let calls = 0;
  const client = { call: async (_method: string, path: string) => {
    t.equal(path, `/rollouts/${id}`);
    if (++calls === 3) service.finish(id, 1); // each rack: one BMC flashed, one failed
    return service.status(id);
  } } as unknown as ManagerClient;
  const out = new Terminal();
  const last = await watchRollout(client, id, { intervalMs: 300, json: false, tty: true, out });
  t.equal(last.status, 'done');
  const plain = out.text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''); // eslint-disable-line no-control-regex
  t.match(plain, /rollout 1 \[-+\] 0\/4 preparing: 0 flashed/, 'the rollout\'s bar, empty at first');
  t.match(plain, /rack-1 {3}\[[^\]]+\] 0\/2 preparing/, 'a bar per rack');
  t.match(plain, /rollout 1 \[[^\]]+\] 4\/4 done: 2 flashed, 0 skipped, 2 failed/, 'filled as BMCs finish');
  t.match(plain, /rack-2 {3}\[[^\]]+\] 2\/2 /);
  t.notMatch(plain, /^\{/m, 'no JSON on a terminal');
});
