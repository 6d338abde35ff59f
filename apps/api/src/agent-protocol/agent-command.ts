/** Commands as PROTOCOL.md puts them on the wire. */
export interface KioskTarget {
  kioskId: string;
  code?: string;
  name?: string;
  mac: string;
  ip?: string;
  broadcast?: string;
  vncPort?: number;
  /** Names a method of the agent's own configuration; never a program or URL. */
  shutdown?: { method: string };
}

export type PowerCommandType = 'wake' | 'shutdown' | 'probe';

export interface PowerCommand {
  id: string;
  type: PowerCommandType;
  dueAt: string;
  expiresAt: string;
  targets: KioskTarget[];
}

export interface CancelCommand {
  id: string;
  type: 'cancel';
  cancels: string;
}

export type AgentCommand = PowerCommand | CancelCommand;

/** What a caller (console, dispatch) asks to send; the id is made by the API. */
export interface NewPowerCommand {
  type: PowerCommandType;
  dueAt: Date;
  expiresAt: Date;
  targets: KioskTarget[];
}
