import type { KioskTarget, PowerCommandType } from '@wakeward/agent-protocol';

/** Commands as PROTOCOL.md puts them on the wire: the types the agent shares (libs/agent-protocol). */
export type { AgentCommand, CancelCommand, KioskTarget, PowerCommand, PowerCommandType } from '@wakeward/agent-protocol';

/** What a caller (console, dispatch) asks to send; the id is made by the API. */
export interface NewPowerCommand {
  type: PowerCommandType;
  dueAt: Date;
  expiresAt: Date;
  targets: KioskTarget[];
}
