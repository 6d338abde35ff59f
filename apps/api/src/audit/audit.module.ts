import { Global, Module } from '@nestjs/common';
import { ACCESS_REFUSAL_LOG, AccessService } from '../common/access.service';
import { UserLocksRepository } from '../redis/user-locks.repository';
import { AuditController } from './audit.controller';
import { AuditLogService } from './audit-log.service';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';
import { EntityNamesService } from './entity-names.service';

/** Global: every domain writes audit entries and checks hospital access. */
@Global()
@Module({
  controllers: [AuditController],
  providers: [
    AuditRepository,
    AuditService,
    { provide: ACCESS_REFUSAL_LOG, useExisting: AuditService },
    AccessService,
    AuditLogService,
    EntityNamesService,
    UserLocksRepository,
  ],
  exports: [AuditRepository, AuditService, AccessService, EntityNamesService],
})
export class AuditModule {}
