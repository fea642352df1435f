// The emulated host's getty, login and a tiny shell on its serial console, as a pure state machine: characters
// typed on the console in, what the host writes back out (echo, prompts, command output). Like a Linux tty in
// canonical mode: CR or LF ends a line, DEL/BS erases, passwords are not echoed.
import type { HostIdentity } from './host-identity.js';
import { loginPrompt } from './console-script.js';

const CRLF = '\r\n';
const DEL = 0x7f;
const BS = 0x08;
const CTRL_C = 0x03;
const CTRL_U = 0x15;

export type LoginState = 'user' | 'password' | 'shell';

export class LoginShell {
  private readonly id: HostIdentity;
  private state: LoginState = 'user';
  private line = '';
  private user = '';
  /** The previous character was CR: an LF right after it belongs to the same Enter. */
  private afterCr = false;

  constructor(id: HostIdentity) {
    this.id = id;
  }

  get current(): LoginState {
    return this.state;
  }

  /** Characters from the console; returns what the host writes back. `uptimeMs` is for `uptime`. */
  input(bytes: Uint8Array, uptimeMs: number): string {
    let out = '';
    for (const b of bytes) {
      const wasCr = this.afterCr;
      this.afterCr = b === 0x0d;
      if (b === 0x0a && wasCr) continue;
      if (b === 0x0d || b === 0x0a) out += this.enter(uptimeMs);
      else if (b === DEL || b === BS) out += this.erase();
      else if (b === CTRL_C) {
        this.line = '';
        out += `^C${CRLF}${this.prompt()}`;
      } else if (b === CTRL_U) {
        out += this.state === 'password' ? '' : '\b \b'.repeat(this.line.length);
        this.line = '';
      } else if (b >= 0x20 && this.line.length < 256) {
        const ch = String.fromCharCode(b);
        this.line += ch;
        if (this.state !== 'password') out += ch;
      }
    }
    return out;
  }

  private erase(): string {
    if (this.line.length === 0) return '';
    this.line = this.line.slice(0, -1);
    return this.state === 'password' ? '' : '\b \b';
  }

  private prompt(): string {
    if (this.state === 'user') return loginPrompt(this.id);
    if (this.state === 'password') return 'Password: ';
    return `${this.user}@${this.id.hostname}:~${this.user === 'root' ? '#' : '$'} `;
  }

  private enter(uptimeMs: number): string {
    const line = this.line;
    this.line = '';
    switch (this.state) {
      case 'user':
        if (line.trim() === '') return CRLF + this.prompt();
        this.user = line.trim();
        this.state = 'password';
        return CRLF + this.prompt();
      case 'password':
        this.state = 'shell';
        return `${CRLF}Linux ${this.id.hostname} 6.1.0-27-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01) x86_64${CRLF}${CRLF}` +
          `The programs included with the Debian GNU/Linux system are free software.${CRLF}${this.prompt()}`;
      case 'shell':
        return CRLF + this.run(line.trim(), uptimeMs);
    }
  }

  private run(command: string, uptimeMs: number): string {
    const [name, ...args] = command.split(/\s+/);
    const reply = (s: string) => `${s}${CRLF}${this.prompt()}`;
    switch (name) {
      case '': return this.prompt();
      case 'exit':
      case 'logout':
        this.state = 'user';
        this.user = '';
        return `logout${CRLF}${CRLF}Debian GNU/Linux 12 ${this.id.hostname} ttyS0${CRLF}${CRLF}${this.prompt()}`;
      case 'hostname': return reply(this.id.hostname);
      case 'whoami': return reply(this.user);
      case 'echo': return reply(args.join(' '));
      case 'uname': return reply(args.includes('-a')
        ? `Linux ${this.id.hostname} 6.1.0-27-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01) x86_64 GNU/Linux`
        : 'Linux');
      case 'uptime': {
        const minutes = Math.floor(uptimeMs / 60_000);
        return reply(`up ${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')},  1 user,  load average: 0.00, 0.01, 0.00`);
      }
      default: return reply(`-bash: ${name}: command not found`);
    }
  }
}
