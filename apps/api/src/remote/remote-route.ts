/**
 * How the API reaches a kiosk's screen: `direct` (it connects to the kiosk itself) or
 * `agent` (through a Pi agent's relay channel). Shared by the controller's validation,
 * the service and the sessions' log, so it sits apart from all three.
 */
export const REMOTE_ROUTES = ['direct', 'agent'] as const;
export type RemoteRoute = (typeof REMOTE_ROUTES)[number];
