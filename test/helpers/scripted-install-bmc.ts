// A stand-in for a BMC and its host's installation agent, for the install runner's and the manager API's unit tests
// (the real ones, over IPMI and USB/IP, are driven in test/integration): the CD takes one poll to insert, and a power
// cycle with the next boot set to CD starts one run of the agent that is done 3 s later, and says it installed what
// the image's name says (NAME-VERSION.iso: "installed NAME VERSION", as the real agent reports its image's config).
import type { AgentReport } from '../../orchestrator/provisioning/install-machine.js';
import { InsertRefusedError, type InstallBmc } from '../../orchestrator/provisioning/install-runner.js';
import type { Clock } from '../../runtime/clock.js';

export class ScriptedBmc implements InstallBmc {
  cd: string | null = null;
  bootCd = false;
  cycles = 0;
  run = 7;
  runStartedAt: number | null = null;
  calls: string[] = [];
  failInsert: string | null = null;
  onClose = () => {};
  private readonly clock: Clock;
  constructor(clock: Clock) {
    this.clock = clock;
  }
  async insertCd(image: string): Promise<'inserted' | 'inserting'> {
    this.calls.push('insert');
    if (this.failInsert) throw new InsertRefusedError(this.failInsert);
    if (this.cd === image) return 'inserted';
    this.cd = image;
    return 'inserting';
  }
  async setBootCd(): Promise<void> { this.calls.push('boot-cd'); this.bootCd = true; }
  async powerCycle(): Promise<void> {
    this.calls.push('cycle');
    this.cycles++;
    if (this.bootCd && this.cd) {
      this.run++;
      this.runStartedAt = this.clock.now();
      this.bootCd = false;
    }
  }
  async progress(): Promise<AgentReport> {
    this.calls.push('progress');
    const done = this.runStartedAt !== null && this.clock.now() - this.runStartedAt >= 3000;
    const phase = this.runStartedAt === null ? 'idle' : done ? 'done' : 'copying';
    const named = /^(.+)-(\d[\d.]*)\.iso$/.exec(this.cd ?? '');
    const message = !done ? '' : named ? `installed ${named[1]} ${named[2]}` : `installed ${this.cd}`;
    return { run: this.run, phase, percent: done ? 100 : 50, message, role: 'compute' };
  }
  close(): void { this.onClose(); }
}

