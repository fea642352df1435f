// One BMC's Serial-over-LAN state: SOL configuration parameters (IPMI 2.0 §26, Table 26-5) and which SOL payload
// instances are active under which session (§24.1-24.5). Pure state; the LAN channel subscribes to activations
// (onChange) to carry the SOL payload (§15) for the session that activated it.
import type { BmcSolSessionOptions } from '../../protocols/sol/bmc-sol-session.js';
import { SolBitRate } from '../../protocols/sol/config-parameters.js';
import { SOL_HEADER_LENGTH } from '../../protocols/sol/payload.js';
import { Privilege } from '../../protocols/ipmi/users.js';

/** The standard RMCP/RMCP+ port (ASF 2.0 §3.2.4); SOL rides on the session's own port. */
export const IPMI_LAN_PORT = 623;

/** What the BMC knows about one active SOL payload instance. */
export interface SolActivation {
  instance: number;
  /** BMC session ID of the session that activated it (what the console puts in its packets). */
  sessionId: number;
}

export type SolChange =
  | { kind: 'parameter'; parameter: number }
  | { kind: 'activate'; activation: SolActivation }
  /** `by` is the session that asked (Deactivate Payload), or null when the BMC ended it (session closed, SOL disabled). */
  | { kind: 'deactivate'; activation: SolActivation; by: number | null };

export type SolListener = (change: SolChange, now: number) => void;

export class SolConfig {
  /** Parameter 0: set in progress [1:0]. */
  setInProgress = 0;
  /** Parameter 1: SOL enable. */
  enabled = true;
  /** Parameter 2: force encryption / force authentication, and the minimum privilege to activate SOL. */
  forceEncryption = false;
  forceAuthentication = false;
  privilege: number = Privilege.USER;
  /** Parameter 3: character accumulate interval in 5 ms units (1-based) and character send threshold. */
  accumulateInterval = 10; // 50 ms
  sendThreshold = 96;
  /** Parameter 4: retry count (0-7) and retry interval in 10 ms units. */
  retryCount = 7;
  retryInterval = 50; // 500 ms
  /** Parameters 5 and 6: bit rates (SolBitRate). */
  nonVolatileBitRate: number = SolBitRate.BPS_115200;
  volatileBitRate: number = SolBitRate.BPS_115200;
  /** Parameter 7: the channel SOL runs on. */
  channel = 1;
  /** Parameter 8 and the Activate Payload port: the UDP port the BMC's sessions use. Set it when not 623. */
  port = IPMI_LAN_PORT;
  /** Activate Payload inbound/outbound payload sizes, SOL header included. */
  inboundPayloadSize = 255;
  outboundPayloadSize = 255;
  /** SOL instances that can be active at once (one serial port). */
  readonly capacity = 1;
  /** Get Payload Instance Info byte 5: the serial port number behind each instance. */
  readonly serialPort = 1;

  private readonly instances = new Map<number, SolActivation>();
  private readonly listeners = new Set<SolListener>();

  /** Subscribes to parameter changes, activations and deactivations; returns the unsubscribe function. */
  onChange(listener: SolListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: SolChange, now: number): void {
    for (const listener of this.listeners) listener(change, now);
  }

  /** Options for a BmcSolSession running this configuration: parameters 3 and 4 in ms, and the payload sizes. */
  sessionOptions(): BmcSolSessionOptions {
    return {
      accumulateIntervalMs: this.accumulateInterval * 5,
      sendThreshold: this.sendThreshold,
      retryCount: this.retryCount,
      retryIntervalMs: this.retryInterval * 10,
      maxPacketCharacters: Math.min(255, this.outboundPayloadSize - SOL_HEADER_LENGTH),
      maxAcceptCharacters: Math.min(255, this.inboundPayloadSize - SOL_HEADER_LENGTH),
    };
  }

  active(instance: number): SolActivation | undefined {
    return this.instances.get(instance);
  }

  /** Active instances, in instance order. */
  activeInstances(): SolActivation[] {
    return [...this.instances.values()].sort((a, b) => a.instance - b.instance);
  }

  /** Does BMC session `sessionId` own an active instance? (Asked per SOL packet: no arrays.) */
  hasSession(sessionId: number): boolean {
    for (const a of this.instances.values()) if (a.sessionId === sessionId) return true;
    return false;
  }

  /** Instances active under BMC session `sessionId`. */
  bySession(sessionId: number): SolActivation[] {
    return this.activeInstances().filter((a) => a.sessionId === sessionId);
  }

  /** Records an activation; the caller has checked that the instance is free. */
  activate(activation: SolActivation, now: number): void {
    if (this.instances.has(activation.instance)) throw new Error(`SOL instance ${activation.instance} is already active`);
    this.instances.set(activation.instance, activation);
    this.emit({ kind: 'activate', activation }, now);
  }

  /** Ends an instance; `by` is the session that asked, null when the BMC ends it. Returns false if it was not active. */
  deactivate(instance: number, by: number | null, now: number): boolean {
    const activation = this.instances.get(instance);
    if (!activation) return false;
    this.instances.delete(instance);
    this.emit({ kind: 'deactivate', activation, by }, now);
    return true;
  }

  /** Ends every instance of a session that closed or timed out (§24.2: payloads die with their session). */
  deactivateSession(sessionId: number, now: number): number {
    let n = 0;
    for (const a of this.bySession(sessionId)) if (this.deactivate(a.instance, null, now)) n++;
    return n;
  }
}
