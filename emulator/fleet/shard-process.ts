// A shard process (forked by the supervisor): builds its slice of the fleet, serves it, takes the TCP
// connections and control requests the supervisor sends, and exits when told to (SIGTERM) or when the
// supervisor is gone.
import type { Socket } from 'node:net';
import { envLogLevel, levelShows, type LogSink } from '../../runtime/log.js';
import { BindError } from '../../runtime/udp-endpoint.js';
import { ControlError } from './control-error.js';
import type { NodeKind } from './nodes/node-kind.js';
import type { ShardMessage, SupervisorMessage } from './shard-protocol.js';
import { Shard } from './shard.js';

/** Serves the shard the supervisor asks for, with these node kinds (the supervisor's own). */
export function serveShard(kinds: readonly NodeKind<unknown>[]): void {
  let shard: Shard | null = null;
  const threshold = envLogLevel();
  const send = (msg: ShardMessage) => { process.send?.(msg); };
  const stop = async (code: number): Promise<never> => {
    await shard?.close();
    process.exit(code);
  };

  process.on('message', async (msg: SupervisorMessage, handle?: Socket) => {
    if (msg.type === 'start') {
      try {
        // lines below the level stay here: the supervisor's log would drop them anyway
        const log: LogSink = (line, level = 'info') => { if (levelShows(level, threshold)) send({ type: 'log', line, level }); };
        shard = new Shard(msg.config, msg.shard, msg.from, msg.to, kinds, {
          log,
          keep: (kind, entries) => send({ type: 'keep', kind, entries }),
          kept: msg.kept,
        });
        let sockets = 0;
        await shard.bind((bound) => { sockets = bound; send({ type: 'progress', bound }); });
        log(`shard ${msg.shard} (pid ${process.pid}) bound ${sockets} node sockets`, 'debug');
        send({ type: 'ready' });
      } catch (err) {
        send({ type: 'failed', error: (err as Error).message });
        await stop(1);
      }
      return;
    }
    if (msg.type === 'connection') {
      if (shard && handle) shard.accept(msg.port, handle);
      else handle?.destroy();
      return;
    }
    if (!shard) {
      send({ type: 'reply', id: msg.id, ok: false, error: 'shard not started', status: 503 });
      return;
    }
    try {
      // a request that waits on I/O (a virtual-media insert reads its image's size first) answers when it is done
      const result = msg.type === 'grow' ? await shard.grow(msg.config, msg.from, msg.to)
        : msg.type === 'drop' ? await shard.drop(msg.kind, msg.address)
          : await shard.run(msg.kind, msg.request);
      send({ type: 'reply', id: msg.id, ok: true, result });
    } catch (err) {
      // an address another program holds: the caller's conflict, named by the BindError
      const status = err instanceof ControlError ? err.status : err instanceof RangeError ? 400 : err instanceof BindError && err.errno === 'EADDRINUSE' ? 409 : 500;
      send({ type: 'reply', id: msg.id, ok: false, error: (err as Error).message, status });
    }
  });

  // Ctrl-C reaches the whole process group: the supervisor decides when shards stop.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => { void stop(0); });
  process.on('disconnect', () => { void stop(0); });
}
