// The diagnostics log (runtime/log.ts): levels filter, JSON lines on a pipe, pino-pretty's lines on a terminal or
// when asked for.
import t from 'tap';
import { Writable } from 'node:stream';
import { createLogger, envLogLevel, levelShows, logSink, parseLogFormat, parseLogLevel, type LoggerOptions } from '../../runtime/log.js';

/** A destination that keeps what is written; `isTTY` as a terminal's stderr has it. */
function collector(isTTY?: boolean): Writable & { isTTY?: boolean; text(): string } {
  let text = '';
  const stream = new Writable({ write(chunk, _encoding, done) { text += chunk.toString(); done(); } });
  return Object.assign(stream, { isTTY, text: () => text });
}

function logged(options: LoggerOptions, write: (log: ReturnType<typeof createLogger>) => void): string {
  const destination = collector(options.destination?.isTTY);
  write(createLogger({ ...options, destination }));
  return destination.text();
}

t.test('levels: names parsed, lower ones hidden', async (t) => {
  t.equal(parseLogLevel('DEBUG'), 'debug');
  t.equal(parseLogLevel('verbose'), null);
  t.equal(parseLogLevel(undefined), null);
  t.equal(parseLogFormat('json'), 'json');
  t.equal(parseLogFormat('text'), null);
  t.ok(levelShows('warn', 'info'));
  t.ok(levelShows('info', 'info'));
  t.notOk(levelShows('debug', 'info'));
  t.ok(levelShows('trace', 'trace'));
  t.notOk(levelShows('error', 'fatal'));
  t.equal(envLogLevel({}), 'info', 'info by default');
  t.equal(envLogLevel({ BMCFLEET_LOG_LEVEL: 'warn' }), 'warn');
  t.equal(envLogLevel({ BMCFLEET_LOG_LEVEL: 'loud' }), 'info', 'an unknown level: the default');
});

t.test('not a terminal: one JSON object a line, level by name; debug hidden at info', async (t) => {
  const text = logged({ level: 'info' }, (log) => {
    log.debug('not shown');
    log.info('shard 1 back (pid 42)');
    log.warn('a "quoted" word');
  });
  const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.equal(lines.length, 2);
  t.match(lines[0], { level: 'info', msg: 'shard 1 back (pid 42)', pid: process.pid });
  t.match(lines[1], { level: 'warn', msg: 'a "quoted" word' });
  t.ok(!Number.isNaN(Date.parse(lines[0].time as string)), 'an ISO time');
  t.notMatch(text, /not shown/);
});

t.test('at debug, debug lines show; at error, a warning does not', async (t) => {
  t.match(logged({ level: 'debug' }, (log) => log.debug('bound 4 node sockets')), /"level":"debug".*"msg":"bound 4 node sockets"/);
  t.equal(logged({ level: 'error' }, (log) => log.warn('careful')), '');
});

t.test('pretty: on a terminal by default, or when asked for; never JSON', async (t) => {
  const forced = logged({ format: 'pretty' }, (log) => log.warn('the control API is reachable beyond this machine'));
  t.match(forced, /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN \(\d+\): the control API is reachable beyond this machine\n$/);
  t.throws(() => JSON.parse(forced));
  const onTerminal = logged({ destination: collector(true) }, (log) => log.info('ready soon'));
  t.match(onTerminal, /INFO.*ready soon/);
  t.notMatch(onTerminal, /^\{/);
  const json = logged({ format: 'json', destination: collector(true) }, (log) => log.info('asked for JSON'));
  t.match(JSON.parse(json), { msg: 'asked for JSON' }, 'JSON on a terminal when asked for');
});

t.test('a LogSink writes at the level it is given, info by default', async (t) => {
  const destination = collector();
  const sink = logSink(createLogger({ destination, level: 'info' }));
  sink('plain');
  sink('hook failed', 'warn');
  sink('chatter', 'debug');
  t.same(destination.text().trimEnd().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string }).map((e) => [e.level, e.msg]),
    [['info', 'plain'], ['warn', 'hook failed']]);
});
