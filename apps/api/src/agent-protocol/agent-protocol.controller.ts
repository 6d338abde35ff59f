import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Agent } from '../agents/agent.entity';
import { AgentCredentialsService } from '../agents/agent-credentials.service';
import { Public } from '../common/decorators';
import { parseInput } from '../common/validation';
import { AgentCommandsService } from '../agent-commands/agent-commands.service';
import { AgentPlanService, etagMatches } from './agent-plan.service';
import {
  commandId,
  commandResultBody,
  enrollBody,
  heartbeatBody,
  offlineActionsBody,
  planQuery,
  pollQuery,
  probesBody,
} from './agent-protocol.dto';
import { AgentReportsService } from './agent-reports.service';
import { AgentTokenGuard, CurrentAgent } from './agent-token.guard';

/** PROTOCOL.md v1, enrolment: the one call without a token. */
@ApiTags('agent protocol v1')
@Public()
@Controller('api/agent/v1')
export class AgentEnrolmentController {
  constructor(private readonly credentials: AgentCredentialsService) {}

  @Post('enroll')
  enroll(@Body() body: unknown) {
    return this.credentials.enroll(parseInput(enrollBody, body));
  }
}

/** PROTOCOL.md v1, every call an enrolled agent makes with its bearer token. */
@ApiTags('agent protocol v1')
@Public()
@UseGuards(AgentTokenGuard)
@Controller('api/agent/v1')
export class AgentProtocolController {
  constructor(
    private readonly commands: AgentCommandsService,
    private readonly reports: AgentReportsService,
    private readonly plans: AgentPlanService,
  ) {}

  @Post('heartbeat')
  @HttpCode(200)
  heartbeat(@CurrentAgent() agent: Agent, @Body() body: unknown) {
    return this.reports.heartbeat(agent, parseInput(heartbeatBody, body));
  }

  @Get('commands')
  @Header('Cache-Control', 'no-store')
  async poll(@CurrentAgent() agent: Agent, @Query() query: unknown, @Res({ passthrough: true }) res: Response) {
    const { wait } = parseInput(pollQuery, query);
    const gone = new AbortController();
    const onClose = () => gone.abort();
    res.on('close', onClose);
    try {
      return { commands: await this.commands.poll(agent.id, wait * 1000, gone.signal) };
    } finally {
      res.off('close', onClose);
    }
  }

  @Post('commands/:id/result')
  @HttpCode(204)
  async result(@CurrentAgent() agent: Agent, @Param('id') id: string, @Body() body: unknown): Promise<void> {
    const commandIdValue = parseInput(commandId, id, 'INVALID_ID');
    const result = parseInput(commandResultBody, body);
    // A resend (the agent's retry, or a stolen token in a loop) tells the consoles nothing new.
    if (await this.commands.recordResult(agent.id, commandIdValue, result)) await this.reports.commandReported(agent, commandIdValue, result);
  }

  @Post('probes')
  @HttpCode(204)
  async probes(@CurrentAgent() agent: Agent, @Body() body: unknown): Promise<void> {
    await this.reports.probes(agent, parseInput(probesBody, body));
  }

  @Get('plan')
  async plan(@CurrentAgent() agent: Agent, @Query() query: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { hours } = parseInput(planQuery, query);
    const { etag, ...plan } = await this.plans.planFor(agent, hours);
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'no-cache');
    if (etagMatches(req.header('if-none-match'), etag)) {
      res.status(304).end();
      return;
    }
    res.status(200).json(plan);
  }

  @Post('offline-actions')
  @HttpCode(204)
  async offlineActions(@CurrentAgent() agent: Agent, @Body() body: unknown): Promise<void> {
    await this.reports.offlineActions(agent, parseInput(offlineActionsBody, body).actions);
  }

  @Post('readings')
  @HttpCode(200)
  readings(@CurrentAgent() agent: Agent, @Body() body: unknown) {
    return this.reports.readings(agent, body);
  }
}
