// The TaskService (TaskService.v1_1_4, Task.v1_4_3) and its task monitors (DSP0266 "Asynchronous operations"):
// a monitor answers 202 with the Task while it runs and 200 with it once done. Its Retry-After is an HTTP date, never a
// number of seconds: sushy's TaskMonitor.wait sleeps for the header's value as is, and a numeric string crashes it.
import { dateTime, RedfishError } from '../../../protocols/redfish/messages.js';
import type { BmcRedfish } from '../bmc-redfish.js';
import { RedfishPrivilege } from '../roles.js';
import { TaskState, type RedfishTask } from '../task-table.js';
import { collection, ENABLED_OK, link, ok, type RedfishAnswer, type Route } from '../route.js';

const TASK_SERVICE = '/redfish/v1/TaskService';
export const TASKS = `${TASK_SERVICE}/Tasks`;
const MONITORS = `${TASK_SERVICE}/TaskMonitors`;
/** About how long a client should wait before asking a running task's monitor again (the date is on a whole second). */
const RETRY_AFTER_MS = 500;

function monitorUri(task: RedfishTask): string {
  return `${MONITORS}/${task.id}`;
}

function taskBody(task: RedfishTask): object {
  return {
    '@odata.id': `${TASKS}/${task.id}`, '@odata.type': '#Task.v1_4_3.Task', Id: task.id, Name: task.name,
    TaskState: task.state, TaskStatus: task.state === TaskState.Exception ? 'Critical' : 'OK', PercentComplete: task.percentComplete,
    StartTime: dateTime(task.startTime), ...(task.endTime === null ? {} : { EndTime: dateTime(task.endTime) }),
    TaskMonitor: monitorUri(task), Messages: task.messages,
  };
}

/** 202 Accepted for a request a task now carries out: Location names its monitor (DSP0266 "Asynchronous operations"). */
export function accepted(task: RedfishTask): RedfishAnswer {
  // No body: sushy (TaskMonitor.from_response) would follow a body's @odata.id to the Task itself, which answers 200
  // while running (as the schema has it), and its wait would end at once; it asks the monitor when there is none.
  return { status: 202, headers: { Location: monitorUri(task) } };
}

function taskOf(target: BmcRedfish, id: string): RedfishTask {
  const task = target.tasks.byId(id);
  if (!task) throw new RedfishError(404, 'ResourceNotFound', ['Task', id]);
  return task;
}

export const taskServiceRoutes: readonly Route[] = [
  {
    method: 'GET', path: TASK_SERVICE, privilege: RedfishPrivilege.Login,
    handle: ({ now }) => ok({
      '@odata.id': TASK_SERVICE, '@odata.type': '#TaskService.v1_1_4.TaskService', Id: 'TaskService', Name: 'Task Service',
      ServiceEnabled: true, DateTime: dateTime(now), CompletedTaskOverWritePolicy: 'Oldest', LifeCycleEventOnTaskStateChange: true,
      Status: ENABLED_OK, Tasks: link(TASKS),
    }),
  },
  {
    method: 'GET', path: TASKS, privilege: RedfishPrivilege.Login,
    handle: ({ target }) => ok(collection(TASKS, 'TaskCollection', 'Task Collection', target.tasks.list().map((task) => `${TASKS}/${task.id}`))),
  },
  { method: 'GET', path: `${TASKS}/{id}`, privilege: RedfishPrivilege.Login, handle: ({ target, params }) => ok(taskBody(taskOf(target, params[0]))) },
  {
    method: 'GET', path: `${MONITORS}/{id}`, privilege: RedfishPrivilege.Login,
    handle: ({ target, params, now }) => {
      const task = taskOf(target, params[0]);
      if (!task.running) return ok(taskBody(task));
      // an HTTP-date (RFC 9110 §10.2.3): the whole second after now + RETRY_AFTER_MS, so never in the past
      const retryAt = Math.ceil((now + RETRY_AFTER_MS) / 1000) * 1000;
      return { status: 202, body: taskBody(task), headers: { Location: monitorUri(task), 'Retry-After': new Date(retryAt).toUTCString() } };
    },
  },
];
