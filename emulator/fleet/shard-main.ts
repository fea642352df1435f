// Entry point of a shard process (forked by the supervisor): builds its slice of the fleet, serves it,
// answers control requests over IPC, and exits when told to (SIGTERM) or when the supervisor is gone.
import type { ShardMessage, SupervisorMessage } from './shard-protocol.js';
import { ControlError } from './control-error.js';
import { Shard } from './shard.js';

let shard: Shard | null = null;

function send(msg: ShardMessage): void {
  process.send?.(msg);
}

async function stop(code: number): Promise<never> {
  await shard?.close();
  process.exit(code);
}

process.on('message', async (msg: SupervisorMessage) => {
  if (msg.type === 'start') {
    try {
      shard = new Shard(msg.config, msg.shard, msg.from, msg.to);
      await shard.bind((bound) => send({ type: 'progress', bound }));
      send({ type: 'ready', count: shard.size });
    } catch (err) {
      send({ type: 'failed', error: (err as Error).message });
      await stop(1);
    }
    return;
  }
  if (!shard) {
    send({ type: 'reply', id: msg.id, ok: false, error: 'shard not started', status: 503 });
    return;
  }
  try {
    send({ type: 'reply', id: msg.id, ok: true, result: shard.run(msg.request) });
  } catch (err) {
    const status = err instanceof ControlError ? err.status : err instanceof RangeError ? 400 : 500;
    send({ type: 'reply', id: msg.id, ok: false, error: (err as Error).message, status });
  }
});

// Ctrl-C reaches the whole process group: the supervisor decides when shards stop.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => { void stop(0); });
process.on('disconnect', () => { void stop(0); });
