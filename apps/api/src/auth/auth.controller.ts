import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { Inject } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { Principal } from '../common/request-context';
import { parseInput } from '../common/validation';
import { AuthService } from './auth.service';
import { SESSION_COOKIE, sessionCookieOptions, sessionTokenOf } from '../sessions/session-cookie';
import { CurrentUser, Public } from '../common/decorators';

const loginBody = z.object({
  username: z.string().min(1, 'required').max(64),
  password: z.string().min(1, 'required').max(1024),
});

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { username, password } = parseInput(loginBody, body);
    const { token, principal } = await this.auth.login(username, password, req.ip ?? 'unknown', sessionTokenOf(req.headers.cookie));
    res.cookie(SESSION_COOKIE, token, {
      ...sessionCookieOptions(this.config, req),
      maxAge: this.config.session.absoluteMs,
    });
    return { user: publicPrincipal(principal!) };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentUser() principal: Principal, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    await this.auth.logout(principal);
    res.clearCookie(SESSION_COOKIE, sessionCookieOptions(this.config, req));
  }

  @Get('me')
  me(@CurrentUser() principal: Principal) {
    return { user: publicPrincipal(principal) };
  }
}

function publicPrincipal(p: Principal) {
  return { id: p.userId, username: p.username, role: p.role, hospitalIds: p.hospitalIds };
}
