import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { hashSecret } from '../agents/agent-credentials';
import type { Agent } from '../agents/agent.entity';
import { AgentsRepository } from '../agents/agents.repository';
import { unauthorized } from '../common/errors';

type AgentRequest = Request & { agent?: Agent };

/**
 * Every agent call but enrolment: `Authorization: Bearer <token>`, looked up by its
 * hash on each request so that a revocation or rotation takes effect at once.
 */
@Injectable()
export class AgentTokenGuard implements CanActivate {
  constructor(private readonly agents: AgentsRepository) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AgentRequest>();
    const match = /^Bearer\s+(\S{1,512})$/i.exec(req.header('authorization') ?? '');
    if (!match) throw unauthorized('AGENT_TOKEN_INVALID', 'send the agent token as Authorization: Bearer <token>');
    const agent = await this.agents.getByActiveTokenHash(hashSecret(match[1]));
    if (!agent) throw unauthorized('AGENT_TOKEN_INVALID', 'unknown or revoked agent token; enrol the agent again');
    req.agent = agent;
    return true;
  }
}

/** The agent authenticated by AgentTokenGuard. */
export const CurrentAgent = createParamDecorator((_: unknown, ctx: ExecutionContext): Agent => {
  const agent = ctx.switchToHttp().getRequest<AgentRequest>().agent;
  if (!agent) throw new Error('CurrentAgent used without AgentTokenGuard');
  return agent;
});
