import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Principal } from './request-context';
import type { Role } from './roles';

export const IS_PUBLIC = 'wakeward:public';
export const ROLES_KEY = 'wakeward:roles';

/** No session needed (login, health checks, the agent protocol with its own token). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only these roles may call the route; others get 403 and the refusal is audited. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest().principal as Principal | undefined;
  if (!principal) throw new Error('CurrentUser used on a public route');
  return principal;
});
