// One BMC's Redfish tasks (Task.v1_4_3, DSP0266 "Asynchronous operations"): what a long request (a firmware
// update) reports while it runs and once it is done, numbered from 1. Bounded: a new task replaces the oldest finished
// one when the table is full, and is refused while every task in it is still running.
import { registryMessage, type Message, type RegistryMessageId } from '../../protocols/redfish/registry-messages.js';

export const TaskState = {
  New: 'New',
  Running: 'Running',
  Completed: 'Completed',
  Exception: 'Exception',
} as const;
export type TaskState = typeof TaskState[keyof typeof TaskState];

export type TaskListener = (task: RedfishTask, message: Message) => void;

/** Messages a task keeps, the latest last. */
const MAX_TASK_MESSAGES = 16;

export class RedfishTask {
  readonly id: string;
  readonly name: string;
  readonly startTime: number;
  state: TaskState = TaskState.Running;
  percentComplete = 0;
  endTime: number | null = null;
  readonly messages: Message[] = [];
  /** Told of each message the task notes (the EventService's hook). */
  private readonly noted: TaskListener;

  constructor(id: string, name: string, now: number, noted: TaskListener) {
    this.id = id;
    this.name = name;
    this.startTime = now;
    this.noted = noted;
    this.note('TaskEvent.1.0.TaskStarted', [id]);
  }

  get running(): boolean {
    return this.state === TaskState.New || this.state === TaskState.Running;
  }

  /** Progress, with the message saying what is under way (once per message). */
  progress(percent: number, messageId?: RegistryMessageId, args: readonly string[] = []): void {
    if (!this.running) return;
    this.percentComplete = Math.max(this.percentComplete, Math.min(99, Math.floor(percent)));
    if (messageId !== undefined && this.messages.at(-1)?.MessageId !== messageId) this.note(messageId, args);
  }

  complete(now: number, messageId: RegistryMessageId, args: readonly string[]): void {
    if (!this.running) return;
    this.state = TaskState.Completed;
    this.percentComplete = 100;
    this.endTime = now;
    this.note(messageId, args);
    this.note('TaskEvent.1.0.TaskCompletedOK', [this.id]);
  }

  fail(now: number, messageId: RegistryMessageId, args: readonly string[]): void {
    if (!this.running) return;
    this.state = TaskState.Exception;
    this.endTime = now;
    this.note(messageId, args);
    this.note('TaskEvent.1.0.TaskAborted', [this.id]);
  }

  private note(id: RegistryMessageId, args: readonly string[]): void {
    if (this.messages.length >= MAX_TASK_MESSAGES) this.messages.splice(1, 1); // keep TaskStarted
    const message = registryMessage(id, args);
    this.messages.push(message);
    this.noted(this, message);
  }
}

export class TaskTable {
  private readonly max: number;
  private readonly tasks = new Map<string, RedfishTask>();
  private nextId = 1;

  constructor(max: number) {
    this.max = max;
  }

  /** A new running task, or null when the table is full of running ones. */
  start(name: string, now: number, noted: TaskListener = () => {}): RedfishTask | null {
    if (this.tasks.size >= this.max) {
      const oldestDone = [...this.tasks.values()].find((task) => !task.running);
      if (!oldestDone) return null;
      this.tasks.delete(oldestDone.id);
    }
    const task = new RedfishTask(String(this.nextId++), name, now, noted);
    this.tasks.set(task.id, task);
    return task;
  }

  byId(id: string): RedfishTask | undefined {
    return this.tasks.get(id);
  }

  list(): RedfishTask[] {
    return [...this.tasks.values()];
  }
}
