import { DynamicModule, Module } from '@nestjs/common';
import { AgentProtocolModule } from './agent-protocol/agent-protocol.module';
import { AgentsModule } from './agents/agents.module';
import { AlertsModule } from './alerts/alerts.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { APP_CONFIG, AppConfig } from './config/config';
import { DatabaseModule } from './database/database.module';
import { DispatchModule } from './dispatch/dispatch.module';
import { EdgeModule } from './edge/edge.module';
import { HospitalsModule } from './hospitals/hospitals.module';
import { FleetModule } from './fleet/fleet.module';
import { LivenessModule } from './liveness/liveness.module';
import { KiosksModule } from './kiosks/kiosks.module';
import { LiveModule } from './live/live.module';
import { NotificationsModule } from './notifications/notifications.module';
import { OpsModule } from './ops/ops.module';
import { RedisModule } from './redis/redis.module';
import { RemoteModule } from './remote/remote.module';
import { RulesModule } from './rules/rules.module';
import { ScheduleModule } from './schedule/schedule.module';
import { SitesModule } from './sites/sites.module';
import { TelemetryModule } from './telemetry/telemetry.module';
import { UndoModule } from './undo/undo.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
      imports: [
        DatabaseModule,
        RedisModule,
        AuditModule,
        AuthModule,
        // After AuthModule: its origin check runs once the session has named the user.
        EdgeModule,
        HospitalsModule,
        SitesModule,
        KiosksModule,
        AgentsModule,
        AgentProtocolModule,
        RulesModule,
        UsersModule,
        OpsModule,
        ScheduleModule,
        LivenessModule,
        FleetModule,
        LiveModule,
        UndoModule,
        AlertsModule,
        NotificationsModule,
        DispatchModule,
        RemoteModule,
        TelemetryModule,
      ],
    };
  }
}
