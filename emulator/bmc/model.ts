// One emulated BMC and its host — identity (IPMI 2.0 §20.1 Get Device ID, §20.8/§22.14 GUIDs), users (§6.9),
// the LAN channel (§6.3, §22.22-22.24, §23.1), chassis (§28) and boot options (§28.12). Pure state: no
// sockets, no timers; time arrives as `now` on the BMC's clock.
import { createHash } from 'node:crypto';
import { DEFAULT_BMC_SUITES, offeredSuites } from '../../protocols/ipmi/cipher-suites.js';
import { AccessMode, type ChannelAccessSettings } from '../../protocols/ipmi/commands/channel.js';
import { PowerRestorePolicy } from '../../protocols/ipmi/commands/chassis.js';
import { SetInProgress } from '../../protocols/ipmi/commands/config-parameters.js';
import { DeviceSupport } from '../../protocols/ipmi/commands/device.js';
import { IpAddressSource } from '../../protocols/ipmi/commands/lan-config.js';
import { CURRENT_CHANNEL } from '../../protocols/ipmi/commands/session-setup.js';
import { AuthType } from '../../protocols/ipmi/session-v15.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { InstallError, InstallPhase, type InstallProgress } from '../../protocols/ipmi/oem/install-progress.js';
import { IscsiBootError, IscsiBootState, type IscsiBootReport } from '../../protocols/ipmi/oem/iscsi-boot-status.js';
import { parseIpv4 } from '../../runtime/ipv4.js';
import { BootOptions, type BootDevice } from './boot-options.js';
import { ChassisState } from './chassis-state.js';
import type { BmcChange, BmcEvent, BmcListener } from './events.js';
import { gatewayFor, gatewayMacFor, macFromIp, type LanConfig } from './lan-config.js';
import { parseMac } from '../../protocols/ipmi/mac.js';
import { SolConfig } from './sol-config.js';
import { UserTable, type UserOptions } from './user-table.js';
import { FruStore } from './fru.js';
import { FirmwareUpgrade, type FirmwareUpgradeOptions } from './firmware-upgrade.js';
import { resolveHardware, type HardwareTemplate } from './hardware.js';
import { SdrRepository, buildSdrRecords } from './sdr-repository.js';
import { SystemEventLog } from './sel.js';
import { HostReport } from './host-report.js';
import { Sensors } from './sensors.js';

/** IANA 32473 is reserved for documentation (RFC 5612): no ipmitool OEM quirks key off it. */
export const DEFAULT_MANUFACTURER_ID = 32473;

/** The channel number of the BMC's one LAN channel; CURRENT_CHANNEL (0Eh) in a request means "this channel" (§6.3). */
export const LAN_CHANNEL = 1;

export interface DeviceIdentity {
  deviceId: number;
  deviceRevision: number;
  providesDeviceSdrs: boolean;
  firmwareMajor: number;
  /** Decimal 0-99; Get Device ID sends it as BCD. */
  firmwareMinor: number;
  /** BCD, 02h = IPMI 2.0. */
  ipmiVersion: number;
  additionalSupport: number;
  /** 20-bit IANA enterprise number. */
  manufacturerId: number;
  productId: number;
  auxFirmware: Buffer;
}

/** One copy (volatile or non-volatile) of the LAN channel's access settings (§22.22-22.23). */
export type ChannelAccess = ChannelAccessSettings;

export interface BmcModelOptions {
  /** The BMC's IPv4 address; everything not given below is derived from it. */
  ip: string;
  /** Position in the fleet (informational). */
  index?: number;
  /** Users for IDs 2, 3, ...; default one administrator "admin" / "password". */
  users?: UserOptions[];
  /** System GUID (RAKP and Get System GUID), 16 bytes. */
  guid?: Uint8Array;
  /** Device GUID (Get Device GUID), 16 bytes. */
  deviceGuid?: Uint8Array;
  mac?: string | Uint8Array;
  netmask?: string;
  gateway?: string;
  gatewayMac?: string | Uint8Array;
  /** 1-4094 turns 802.1q tagging on with this ID. */
  vlanId?: number;
  device?: Partial<DeviceIdentity>;
  /** Cipher suite IDs the LAN channel offers, in order (LAN parameters 22-24); default DEFAULT_BMC_SUITES. */
  cipherSuites?: readonly number[];
  /** Also offer cipher suite 0 (no authentication, integrity or confidentiality), last: off unless asked for. */
  allowCipherSuite0?: boolean;
  /** IPMI v1.5 auth types enabled on the channel; default MD5 only. */
  v15AuthTypes?: readonly number[];
  /** Host power at start; default on. */
  powerOn?: boolean;
  powerRestorePolicy?: number;
  /** The BMC clock's time at creation (power-on hours count from here); default Date.now(). */
  now?: number;
  /** The server behind the BMC (FRU, sensors); unset fields come from the default template and the IP. */
  hardware?: Partial<HardwareTemplate>;
  /** HPM.1 firmware upgrade: step durations and the largest firmware accepted. */
  firmwareUpgrade?: FirmwareUpgradeOptions;
}


/** 16 bytes from a hash of `label` and the IP: deterministic, and distinct for distinct IPs. */
function derivedGuid(label: string, ip: string): Buffer {
  const rfc = createHash('sha256').update(`bmcfleet ${label} ${ip}`).digest().subarray(0, 16);
  rfc[6] = (rfc[6] & 0x0f) | 0x50; // RFC 4122 version 5 (name-based)
  rfc[8] = (rfc[8] & 0x3f) | 0x80; // RFC 4122 variant
  return Buffer.from(rfc).reverse(); // IPMI sends GUIDs least significant byte first (§20.8)
}

function sixteen(bytes: Uint8Array, what: string): Buffer {
  if (bytes.length !== 16) throw new RangeError(`${what} needs 16 bytes, got ${bytes.length}`);
  return Buffer.from(bytes);
}

export class BmcModel {
  readonly index: number;
  readonly guid: Buffer;
  readonly deviceGuid: Buffer;
  readonly device: DeviceIdentity;
  readonly users: UserTable;
  readonly lan: LanConfig;
  readonly channelAccess: { volatile: ChannelAccess; nonVolatile: ChannelAccess };
  readonly chassis: ChassisState;
  readonly bootOptions = new BootOptions();
  readonly sol = new SolConfig();
  readonly hardware: HardwareTemplate;
  readonly sensors: Sensors;
  readonly sdr: SdrRepository;
  readonly sel: SystemEventLog;
  readonly fru: FruStore;
  /** HPM.1 firmware upgrade: the flash banks and the upgrade in progress. */
  readonly firmware: FirmwareUpgrade;
  /** The host's installation progress, as its agent last reported it (Get Install Progress). */
  readonly install = new HostReport<InstallProgress>({ run: 0, phase: InstallPhase.IDLE, percent: 0, error: InstallError.NONE, message: '', role: '' });
  /** The host's last boot from iSCSI, as its firmware last reported it (Get iSCSI Boot Status). */
  readonly iscsiBoot = new HostReport<IscsiBootReport>({ run: 0, state: IscsiBootState.NONE, error: IscsiBootError.NONE, lun: 0, targetName: '', message: '' });
  cipherSuites: number[];
  v15AuthTypes: number[];
  private readonly listeners = new Set<BmcListener>();
  private seq = 0;

  constructor(options: BmcModelOptions) {
    const ip = options.ip;
    parseIpv4(ip); // validates
    this.index = options.index ?? 0;
    this.guid = options.guid ? sixteen(options.guid, 'guid') : derivedGuid('system', ip);
    this.deviceGuid = options.deviceGuid ? sixteen(options.deviceGuid, 'deviceGuid') : derivedGuid('device', ip);
    this.device = {
      deviceId: 0x20, deviceRevision: 0x01, providesDeviceSdrs: false, firmwareMajor: 1, firmwareMinor: 0,
      ipmiVersion: 0x02,
      additionalSupport: DeviceSupport.SENSOR | DeviceSupport.SDR_REPOSITORY | DeviceSupport.SEL |
        DeviceSupport.FRU_INVENTORY | DeviceSupport.CHASSIS,
      manufacturerId: DEFAULT_MANUFACTURER_ID, productId: 0x0001, auxFirmware: Buffer.alloc(4),
      ...options.device,
    };
    this.users = new UserTable(options.users ?? [{ name: 'admin', password: 'password', privilege: Privilege.ADMINISTRATOR }]);
    this.cipherSuites = offeredSuites(options.cipherSuites ?? DEFAULT_BMC_SUITES, options.allowCipherSuite0 ?? false);
    this.v15AuthTypes = [...(options.v15AuthTypes ?? [AuthType.MD5])];
    this.lan = this.initialLan(options);
    const access = (): ChannelAccess => ({
      alertingDisabled: false, perMessageAuthDisabled: false, userLevelAuthDisabled: false,
      accessMode: AccessMode.ALWAYS_AVAILABLE, privilegeLimit: Privilege.ADMINISTRATOR,
    });
    this.channelAccess = { volatile: access(), nonVolatile: access() };
    this.chassis = new ChassisState(options.powerOn ?? true, options.powerRestorePolicy ?? PowerRestorePolicy.PREVIOUS,
      options.now ?? Date.now());
    this.hardware = resolveHardware(ip, options.hardware);
    this.sensors = new Sensors(this.hardware.sensors, ip, () => this.chassis.powerOn);
    this.sdr = new SdrRepository(buildSdrRecords(this.hardware, this.device.additionalSupport), Math.floor((options.now ?? Date.now()) / 1000));
    this.sel = new SystemEventLog({ sensors: this.sensors, manufacturerId: this.device.manufacturerId });
    this.fru = new FruStore(this.hardware);
    this.firmware = new FirmwareUpgrade(this.device, options.firmwareUpgrade);
    this.onChange((event) => this.sel.recordChange(event));
  }

  private initialLan(options: BmcModelOptions): LanConfig {
    const gatewayIp = options.gateway ?? gatewayFor(options.ip);
    let enabledMask = 0;
    for (const t of this.v15AuthTypes) enabledMask |= 1 << t;
    const vlanId = options.vlanId ?? 0;
    if (!Number.isInteger(vlanId) || vlanId < 0 || vlanId > 4094) throw new RangeError(`bad VLAN ID ${vlanId}`);
    if (options.netmask) parseIpv4(options.netmask);
    parseIpv4(gatewayIp);
    return {
      setInProgress: SetInProgress.COMPLETE,
      authTypeEnables: Buffer.from([enabledMask, enabledMask, enabledMask, enabledMask, 0]),
      ip: options.ip,
      ipSource: IpAddressSource.STATIC,
      mac: options.mac ? parseMac(options.mac) : macFromIp(options.ip),
      netmask: options.netmask ?? '255.255.255.0',
      ipHeader: Buffer.from([0x40, 0x40, 0x10]), // TTL 64, don't fragment, precedence 0 / TOS "minimize delay" (§23.1 defaults)
      arpControl: 0x02, // answer ARP, no gratuitous ARP
      gratuitousArpInterval: 4, // 2 s
      gatewayIp,
      gatewayMac: options.gatewayMac ? parseMac(options.gatewayMac) : gatewayMacFor(gatewayIp),
      backupGatewayIp: '0.0.0.0',
      backupGatewayMac: Buffer.alloc(6),
      community: 'public',
      vlanEnabled: vlanId !== 0,
      vlanId,
      vlanPriority: 0,
      // entries past the offered suites read back as 0 ("unused")
      cipherSuitePrivileges: Array.from({ length: 16 }, (_, i) => (i < this.cipherSuites.length ? Privilege.ADMINISTRATOR : 0)),
      badPasswordThreshold: Buffer.alloc(6),
    };
  }

  get ip(): string {
    return this.lan.ip;
  }

  get mac(): Buffer {
    return this.lan.mac;
  }

  get powerOn(): boolean {
    return this.chassis.powerOn;
  }

  /** The device the host will boot from next (boot flags parameter 5 while valid, else 'none'). */
  get bootDevice(): BootDevice {
    return this.bootOptions.bootDevice;
  }

  /** The LAN channel a request's channel field names, or null if it names another channel. */
  resolveChannel(channelField: number): number | null {
    const ch = channelField & 0x0f;
    return ch === LAN_CHANNEL || ch === CURRENT_CHANNEL ? LAN_CHANNEL : null;
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: BmcListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records a change made through the model's parts and tells the listeners. */
  emit(change: BmcChange, now: number): void {
    const event = { ...change, seq: ++this.seq, at: now } as BmcEvent;
    for (const listener of this.listeners) listener(event);
  }
}
