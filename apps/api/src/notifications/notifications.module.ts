import { Module } from '@nestjs/common';
import { EntityNamesService } from '../audit/entity-names.service';
import { AlertsModule } from '../alerts/alerts.module';
import { HospitalsModule } from '../hospitals/hospitals.module';
import { OpsModule } from '../ops/ops.module';
import { SitesModule } from '../sites/sites.module';
import { AlertNotifier } from './alert-notifier.service';
import { ChannelSender } from './channel-sender';
import { NotificationChannelsController } from './notification-channels.controller';
import { NotificationChannelsRepository, NotificationDeliveriesRepository } from './notification-channels.repository';
import { NotificationChannelsService } from './notification-channels.service';
import { NotificationsQueue } from './notifications-queue';
import { NotificationsWorker } from './notifications.worker';

/** Alert notifications (README "Notifications"): channels, routing, grace time, deliveries with retries. */
@Module({
  imports: [AlertsModule, HospitalsModule, SitesModule, OpsModule],
  controllers: [NotificationChannelsController],
  providers: [
    NotificationChannelsRepository,
    NotificationDeliveriesRepository,
    NotificationChannelsService,
    NotificationsQueue,
    ChannelSender,
    AlertNotifier,
    NotificationsWorker,
  ],
  exports: [AlertNotifier],
})
export class NotificationsModule {
  /** The audit log names notification channels through their repository, never their table. */
  constructor(names: EntityNamesService, channels: NotificationChannelsRepository) {
    names.provide('notification_channel', channels);
  }
}
