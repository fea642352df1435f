// Every bmcfleet help page lists every option its command parses (each command's option tables, cli/commands.ts), and
// the commands that write the diagnostics log list --log-level and --log-format: --help and the parser cannot drift.
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { COMMANDS } from '../../cli/commands.js';
import { CLI } from '../helpers/emulator-process.js';

const CLI_DIR = dirname(CLI).replace(/dist[/\\]cli$/, 'cli');

/** The help pages of the commands that write the diagnostics log (the cli/ files below that import runtime/log.js). */
const LOGGING_PAGES = ['emulate', 'manager', 'rmc upload'];
const LOGGING_FILES = ['emulate.ts', 'manager.ts', 'rmc-upload.ts'];

function help(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => execFile(process.execPath, [CLI, ...argv, '--help'], (err, stdout, stderr) =>
    resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })));
}

/** Whether `text` names --OPTION (not as the start of a longer option: --slp is not named by --slp-port). */
function names(text: string, option: string): boolean {
  return new RegExp(`(^|[^\\w-])--${option.replace(/[-]/g, '\\-')}(?![\\w-])`, 'm').test(text);
}

t.test('names: whole options only', async (t) => {
  t.ok(names('  --slp-port P  the port', 'slp-port'));
  t.ok(names('[--json]', 'json'));
  t.notOk(names('  --slp-port P', 'slp'));
  t.notOk(names('  --no-udp', 'udp'));
});

t.test('each help page lists every option of its table; the commands that log list the log options', async (t) => {
  const pages: { argv: string[]; options: string[] }[] = [];
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const command = await entry.load();
    t.ok(Object.keys(command.options).length > 0, `${name} declares its options`);
    for (const [sub, table] of Object.entries(command.options)) pages.push({ argv: sub ? [name, sub] : [name], options: Object.keys(table) });
  }
  const helps = await Promise.all(pages.map((p) => help(p.argv)));
  pages.forEach((page, i) => {
    const what = `bmcfleet ${page.argv.join(' ')} --help`;
    const { code, stdout, stderr } = helps[i];
    t.equal(code, 0, `${what}: exit 0 ${stderr}`);
    t.same(page.options.filter((o) => !names(stdout, o)), [], `${what} lists every option it takes`);
    if (LOGGING_PAGES.includes(page.argv.join(' '))) t.ok(names(stdout, 'log-level') && names(stdout, 'log-format'), `${what} lists --log-level and --log-format`);
  });
  t.same(LOGGING_PAGES.filter((p) => !pages.some((page) => page.argv.join(' ') === p)), [], 'every logging page is a help page');
});

t.test('the commands that write the log are those whose help says so', async (t) => {
  const logging = readdirSync(CLI_DIR).filter((f) => f.endsWith('.ts') && f !== 'bmcfleet.ts' && f !== 'args.ts')
    .filter((f) => /from '\.\.\/runtime\/log\.js'/.test(readFileSync(join(CLI_DIR, f), 'utf8')));
  t.same(logging.sort(), LOGGING_FILES, 'a command that now writes the log lists --log-level and --log-format in its --help (LOGGING_PAGES)');
});

t.test('bmcfleet --help lists every command and the log options', async (t) => {
  const { code, stdout } = await help([]);
  t.equal(code, 0);
  for (const name of Object.keys(COMMANDS)) t.match(stdout, new RegExp(`^  ${name} +\\S`, 'm'), name);
  t.ok(names(stdout, 'log-level') && names(stdout, 'log-format'));
});
