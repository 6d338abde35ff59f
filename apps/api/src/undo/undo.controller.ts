import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseInput } from '../common/validation';
import { z } from 'zod';
import { UndoService } from './undo.service';

@ApiTags('audit')
@Controller('api/audit')
export class UndoController {
  constructor(private readonly undo: UndoService) {}

  /** Reverts the change an audit entry records (rules and kiosks), audited as 'undo'. */
  @Post(':id/undo')
  @Roles('admin', 'ops', 'staff')
  @HttpCode(200)
  undoEntry(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.undo.undo(p, parseInput(z.string().regex(/^\d{1,18}$/, 'must be an audit entry id'), id, 'INVALID_ID'));
  }
}
