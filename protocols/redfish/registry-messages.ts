// Messages of the TaskEvent (DSP8011 TaskEvent.1.0.x), Update (Update.1.0.x) and ResourceEvent (ResourceEvent.1.0.x)
// registries, as a Task's Messages and an event's records carry them (Message.v1_1_1: MessageId, Message, MessageArgs,
// MessageSeverity).
import { withArgs } from './messages.js';

/** Text with %1, %2 for the arguments, and the severity. */
export const RegistryMessage = {
  'TaskEvent.1.0.TaskStarted': ['The task with Id \'%1\' has started.', 'OK'],
  'TaskEvent.1.0.TaskProgressChanged': ['The task with Id \'%1\' has changed to progress %2 percent complete.', 'OK'],
  'TaskEvent.1.0.TaskCompletedOK': ['The task with Id \'%1\' has completed.', 'OK'],
  'TaskEvent.1.0.TaskAborted': ['The task with Id \'%1\' has been aborted.', 'Critical'],
  'Update.1.0.TransferringToComponent': ['Image \'%1\' is being transferred to \'%2\'.', 'OK'],
  'Update.1.0.VerifyingAtComponent': ['Image \'%1\' is being verified at \'%2\'.', 'OK'],
  'Update.1.0.UpdateSuccessful': ['Device \'%1\' successfully updated with image \'%2\'.', 'OK'],
  'Update.1.0.TransferFailed': ['Transfer of image \'%1\' to \'%2\' failed.', 'Critical'],
  'Update.1.0.VerificationFailed': ['Verification of image \'%1\' at \'%2\' failed.', 'Critical'],
  'ResourceEvent.1.0.ResourceChanged': ['One or more resource properties have changed.', 'OK'],
  'ResourceEvent.1.0.ResourceCreated': ['The resource has been created successfully.', 'OK'],
} as const satisfies Record<string, readonly [string, 'OK' | 'Warning' | 'Critical']>;

export type RegistryMessageId = keyof typeof RegistryMessage;

export interface Message {
  MessageId: RegistryMessageId;
  Message: string;
  MessageArgs: string[];
  MessageSeverity: 'OK' | 'Warning' | 'Critical';
}

export function registryMessage(id: RegistryMessageId, args: readonly string[]): Message {
  const [text, severity] = RegistryMessage[id];
  return { MessageId: id, Message: withArgs(text, args), MessageArgs: [...args], MessageSeverity: severity };
}
