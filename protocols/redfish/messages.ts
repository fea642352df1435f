// Redfish error responses (DMTF DSP0266 §9.5.2.4 "Error responses"): an `error` object whose code and
// @Message.ExtendedInfo name messages of the Base message registry (DSP8011, Base.1.8.x), with their arguments. Also
// the DateTime format every timestamp of the service is written in.

export const BASE_REGISTRY = 'Base.1.8';

/** The Base registry messages this service sends: text with %1, %2 for the arguments, and the resolution. */
export const BaseMessage = {
  GeneralError: ['A general error has occurred. See Resolution for information on how to resolve the error.', 'None.'],
  ResourceNotFound: ['The requested resource of type %1 named \'%2\' was not found.', 'Provide a valid resource identifier and resubmit the request.'],
  MalformedJSON: ['The request body submitted was malformed JSON and could not be parsed by the receiving service.', 'Ensure that the request body is valid JSON and resubmit the request.'],
  UnrecognizedRequestBody: ['The service detected a malformed request body that it was unable to interpret.', 'Correct the request body and resubmit the request if it failed.'],
  PropertyUnknown: ['The property %1 is not in the list of valid properties for the resource.', 'Remove the unknown property from the request body and resubmit the request if the operation failed.'],
  PropertyNotWritable: ['The property %1 is a read only property and cannot be assigned a value.', 'Remove the property from the request body and resubmit the request if the operation failed.'],
  PropertyValueNotInList: ['The value \'%1\' for the property %2 is not in the list of acceptable values.', 'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.'],
  PropertyValueTypeError: ['The value \'%1\' for the property %2 is not a type that the property can accept.', 'Correct the value for the property in the request body and resubmit the request if the operation failed.'],
  PropertyValueFormatError: ['The value \'%1\' for the property %2 is of a different format than the property can accept.', 'Correct the value for the property in the request body and resubmit the request if the operation failed.'],
  PropertyMissing: ['The property %1 is a required property and must be included in the request.', 'Ensure that the property is in the request body and has a valid value and resubmit the request if the operation failed.'],
  ActionNotSupported: ['The action %1 is not supported by the resource.', 'The action supplied cannot be resubmitted to the implementation.  Perhaps the action was invalid, the wrong resource was the target or the implementation documentation may be of assistance.'],
  ActionParameterMissing: ['The action %1 requires the parameter %2 to be present in the request body.', 'Supply the action with the required parameter in the request body when the request is resubmitted.'],
  ActionParameterNotSupported: ['The parameter %1 for the action %2 is not supported on the target resource.', 'Remove the parameter supplied and resubmit the request if the operation failed.'],
  ActionParameterValueNotInList: ['The value \'%1\' for the parameter %2 in the action %3 is not in the list of acceptable values.', 'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.'],
  ActionParameterValueFormatError: ['The value \'%1\' for the parameter %2 in the action %3 is of a different format than the parameter can accept.', 'Correct the value for the parameter in the request body and resubmit the request if the operation failed.'],
  QueryParameterValueFormatError: ['The value %1 for the parameter %2 is of a different format than the parameter can accept.', 'Correct the value for the query parameter in the request and resubmit the request if the operation failed.'],
  NoValidSession: ['There is no valid session established with the implementation.', 'Establish a session before attempting any operations.'],
  InsufficientPrivilege: ['There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.', 'Either abandon the operation or change the associated access rights and resubmit the request if the operation failed.'],
  PreconditionFailed: ['The ETag supplied did not match the ETag required to change this resource.', 'Try the operation again using the appropriate ETag.'],
  SessionLimitExceeded: ['The session establishment failed due to the number of simultaneous sessions exceeding the limit of the implementation.', 'Reduce the number of other sessions before trying to establish the session or increase the limit of simultaneous sessions (if supported).'],
  ServiceTemporarilyUnavailable: ['The service is temporarily unavailable.  Retry in %1 seconds.', 'Wait for the indicated retry duration and retry the operation.'],
  ResourceAlreadyExists: ['The requested resource of type %1 with the property %2 with the value \'%3\' already exists.', 'Do not repeat the create operation as the resource has already been created.'],
  CreateLimitReachedForResource: ['The create operation failed because the resource has reached the limit of possible resources.', 'Either delete resources and resubmit the request if the operation failed or do not resubmit the request.'],
  ResourceInUse: ['The change to the requested resource failed because the resource is in use or in transition.', 'Remove the condition and resubmit the request if the operation failed.'],
  ServiceInUnknownState: ['The operation failed because the service is in an unknown state and can no longer take incoming requests.', 'Restart the service and resubmit the request if the operation failed.'],
} as const satisfies Record<string, readonly [string, string]>;

export type BaseMessageId = keyof typeof BaseMessage;

/** A request the service refuses: its HTTP status and the Base message saying why. */
export class RedfishError extends Error {
  readonly status: number;
  readonly messageId: BaseMessageId;
  readonly args: readonly string[];
  /** Extra response headers (Allow on a 405, WWW-Authenticate on a 401, Retry-After on a 503). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, messageId: BaseMessageId, args: readonly string[] = [], headers: Record<string, string> = {}) {
    super(messageText(messageId, args));
    this.name = 'RedfishError';
    this.status = status;
    this.messageId = messageId;
    this.args = args;
    this.headers = headers;
  }
}

export function messageText(id: BaseMessageId, args: readonly string[]): string {
  return withArgs(BaseMessage[id][0], args);
}

/** A registry message's text with %1, %2 replaced by the arguments (a missing one by nothing). */
export function withArgs(text: string, args: readonly string[]): string {
  return text.replace(/%(\d)/g, (_, n: string) => args[Number(n) - 1] ?? '');
}

/** A Redfish DateTime (Edm.DateTimeOffset, ISO 8601 in UTC) to the whole second, as timestamps in resources and events read. */
export function dateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The body of an error response (DSP0266 §9.5.2.4), one message in @Message.ExtendedInfo. */
export function errorBody(id: BaseMessageId, args: readonly string[] = []): object {
  const messageId = `${BASE_REGISTRY}.${id}`;
  const message = messageText(id, args);
  return {
    error: {
      code: messageId,
      message,
      '@Message.ExtendedInfo': [{
        '@odata.type': '#Message.v1_1_1.Message', MessageId: messageId, Message: message, MessageArgs: [...args],
        MessageSeverity: 'Critical', Severity: 'Critical', Resolution: BaseMessage[id][1],
      }],
    },
  };
}
