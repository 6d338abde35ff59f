import { Global, Module } from '@nestjs/common';
import { AccessService } from '../common/access.service';
import { AuditController } from './audit.controller';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

/** Global: every domain writes audit entries and checks hospital access. */
@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditRepository, AuditService, AccessService],
  exports: [AuditRepository, AuditService, AccessService],
})
export class AuditModule {}
