// The manager's one socket asks for a 4 MiB receive buffer (the congestion benchmark's finding: the default
// 212,992 bytes drops paced replies whenever the manager stalls), capped by the kernel at net.core.rmem_max.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { MANAGER_RECEIVE_BUFFER, ManagerSocket } from '../../orchestrator/rollout/manager-socket.js';

function rmemMax(): number {
  return Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());
}

t.test('the receive buffer is 4 MiB, or as much as the kernel allows', async (t) => {
  const socket = await ManagerSocket.open({ bindAddress: '127.0.0.1' }, () => {});
  t.teardown(() => socket.close());
  // Linux doubles SO_RCVBUF for bookkeeping (socket(7)).
  t.equal(socket.recvBufferSize, 2 * Math.min(MANAGER_RECEIVE_BUFFER, rmemMax()));
});

t.test('a size given replaces it', async (t) => {
  const socket = await ManagerSocket.open({ bindAddress: '127.0.0.1', recvBufferSize: 65_536 }, () => {});
  t.teardown(() => socket.close());
  t.equal(socket.recvBufferSize, 2 * 65_536);
});
