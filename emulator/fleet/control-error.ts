// A control request that cannot be done, with the HTTP status the control API answers (404 no such node,
// 400 a bad body, 409 not in this state, 503 its shard is down). Thrown in the supervisor and in shards alike.
export class ControlError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ControlError';
    this.status = status;
  }
}
