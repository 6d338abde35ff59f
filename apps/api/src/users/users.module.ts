import { Module } from '@nestjs/common';
import { EntityNamesService } from '../audit/entity-names.service';
import { SessionsModule } from '../sessions/sessions.module';
import { HospitalsModule } from '../hospitals/hospitals.module';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [HospitalsModule, SessionsModule],
  controllers: [UsersController],
  providers: [UsersRepository, UsersService],
  exports: [UsersRepository, UsersService],
})
export class UsersModule {
  /** The audit log names users through their repository, never their table. */
  constructor(names: EntityNamesService, users: UsersRepository) {
    names.provide('user', users);
  }
}
