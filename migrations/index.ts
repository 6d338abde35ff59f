import { FleetRegistry1764000000000 } from './1764000000000-fleet-registry';
import { AgentProtocol1764100000000 } from './1764100000000-agent-protocol';
import { Dispatch1764200000000 } from './1764200000000-dispatch';
import { Telemetry1764300000000 } from './1764300000000-telemetry';
import { RemoteScreens1764400000000 } from './1764400000000-remote-screens';
import { LivenessHistory1764500000000 } from './1764500000000-liveness-history';
import { KioskNotes1764600000000 } from './1764600000000-kiosk-notes';
import { ShutdownMethodNames1764610000000 } from './1764610000000-shutdown-method-names';
import { SiteSubnets1764620000000 } from './1764620000000-site-subnets';
import { ReadingsSeqIndex1764630000000 } from './1764630000000-readings-seq-index';
import { NormalisedUsernames1764700000000 } from './1764700000000-normalised-usernames';
import { ActNow1764800000000 } from './1764800000000-act-now';
import { AlertNotifications1764900000000 } from './1764900000000-alert-notifications';
import { AlertsStatusSite1765000000000 } from './1765000000000-alerts-status-site';

/** Every migration, in order. Listed explicitly so that sources and compiled files load the same set. */
export const migrations = [
  FleetRegistry1764000000000,
  AgentProtocol1764100000000,
  Dispatch1764200000000,
  Telemetry1764300000000,
  RemoteScreens1764400000000,
  LivenessHistory1764500000000,
  KioskNotes1764600000000,
  ShutdownMethodNames1764610000000,
  SiteSubnets1764620000000,
  ReadingsSeqIndex1764630000000,
  NormalisedUsernames1764700000000,
  ActNow1764800000000,
  AlertNotifications1764900000000,
  AlertsStatusSite1765000000000,
];
