import { ScheduleChangesModule } from '../schedule/schedule-changes.module';
import { Module } from '@nestjs/common';
import { KiosksModule } from '../kiosks/kiosks.module';
import { RulesModule } from '../rules/rules.module';
import { UndoController } from './undo.controller';
import { UndoService } from './undo.service';

@Module({ imports: [RulesModule, KiosksModule, ScheduleChangesModule], controllers: [UndoController], providers: [UndoService] })
export class UndoModule {}
