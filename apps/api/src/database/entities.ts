import { Agent } from '../agents/agent.entity';
import { Alert } from '../alerts/alert.entity';
import { AuditEntry } from '../audit/audit-entry.entity';
import { Hospital } from '../hospitals/hospital.entity';
import { Dispatch } from '../dispatch/dispatch.entity';
import { Kiosk } from '../kiosks/kiosk.entity';
import { NotificationChannel } from '../notifications/notification-channel.entity';
import { NotificationDelivery } from '../notifications/notification-delivery.entity';
import { PowerRuleRecord } from '../rules/power-rule.entity';
import { Site } from '../sites/site.entity';
import { User, UserHospital } from '../users/user.entity';

export const entities = [Hospital, Site, Kiosk, Agent, PowerRuleRecord, User, UserHospital, AuditEntry, Dispatch, Alert, NotificationChannel, NotificationDelivery];
