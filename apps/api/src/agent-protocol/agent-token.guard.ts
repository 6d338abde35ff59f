import { CanActivate, createParamDecorator, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { AgentAuthCache } from '../agents/agent-auth-cache';
import { hashSecret } from '../agents/agent-credentials';
import type { Agent } from '../agents/agent.entity';
import { AgentsRepository } from '../agents/agents.repository';
import { unauthorized } from '../common/errors';

type AgentRequest = Request & { agent?: Agent };

/**
 * Every agent call but enrolment: `Authorization: Bearer <token>`, looked up by its
 * hash (through AgentAuthCache, which every change to an agent clears in every API
 * process, so that a revocation or rotation takes effect at once).
 */
@Injectable()
export class AgentTokenGuard implements CanActivate {
  private readonly logger = new Logger('agent-auth');

  constructor(
    private readonly agents: AgentsRepository,
    private readonly cache: AgentAuthCache,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AgentRequest>();
    const match = /^Bearer\s+(\S{1,512})$/i.exec(req.header('authorization') ?? '');
    if (!match) throw unauthorized('AGENT_TOKEN_INVALID', 'send the agent token as Authorization: Bearer <token>');
    const tokenHash = hashSecret(match[1]);
    const agent = await this.cache.get(tokenHash, () => this.agents.getByActiveTokenHash(tokenHash));
    if (!agent) {
      // For the agents page ("token refused: re-enrol"); the refusal stands whatever MySQL says.
      await this.agents.recordRefusedToken(tokenHash, new Date()).catch((err: Error) => this.logger.warn(`recording a refused token: ${err.message}`));
      throw unauthorized('AGENT_TOKEN_INVALID', 'unknown or revoked agent token; enrol the agent again');
    }
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
