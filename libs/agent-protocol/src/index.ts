/**
 * @wakeward/agent-protocol — the agent protocol's wire formats, shared by the API and
 * the agent so that both ends read and write the same bytes. No framework, no I/O.
 *
 * The JSON messages of PROTOCOL.md v1 as types only (messages.ts); each side parses them
 * its own way and a test on each side checks its parsing against these:
 *   EnrollRequest/Response, HeartbeatRequest/Response (AgentSettings),
 *   AgentCommand = PowerCommand | CancelCommand, CommandsResponse, KioskTarget, ShutdownSpec,
 *   CommandResult (TargetOutcome), Plan (PlanItem), OfflineActionsReport (OfflineAction),
 *   ProbeReport (ProbeResult), ReadingsReport (Reading), ReadingsAck, ApiErrorBody
 *
 * Relay channel frames (agent README, "Relay channel"): every binary WebSocket message
 * is one frame, `type (u8) | stream id (u32, big-endian) | payload`.
 *   FrameType { OPEN, OPENED, DATA, CLOSE, PAUSE, RESUME }
 *   encodeFrame(type, streamId, payload?): Buffer       payload: bytes or a string (UTF-8)
 *   encodeJsonFrame(type, streamId, value): Buffer      payload: JSON of value
 *   decodeFrame(message): Frame | null                  null: too short or an unknown type
 *   parseJsonPayload<T>(payload): T | null              null: empty or not JSON
 *   parseOpenRequest(payload): OpenRequest | null       OPEN's { host, port, timeoutMs? }, checked
 *
 * What every relay stream starts with (both ends check it before passing on viewer bytes):
 *   checkRfbGreeting(bytes): 'valid' | 'invalid' | 'incomplete'   the server's `RFB 003.008\n`
 *   RFB_GREETING_LENGTH (12), RFB_SERVER_VERSIONS
 */
export { FrameType, decodeFrame, encodeFrame, encodeJsonFrame, parseJsonPayload, parseOpenRequest } from './relay-frames';
export type { Frame, FrameTypeValue, OpenRequest } from './relay-frames';
export type {
  AgentCommand,
  AgentSettings,
  ApiErrorBody,
  CancelCommand,
  CommandResult,
  CommandsResponse,
  EnrollRequest,
  EnrollResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  KioskTarget,
  OfflineAction,
  OfflineActionsReport,
  Plan,
  PlanItem,
  PowerCommand,
  PowerCommandType,
  ProbeReport,
  ProbeResult,
  Reading,
  ReadingsAck,
  ReadingsReport,
  ShutdownSpec,
  TargetOutcome,
} from './messages';
export { RFB_GREETING_LENGTH, RFB_SERVER_VERSIONS, checkRfbGreeting } from './rfb-greeting';
