import { AsyncLocalStorage } from 'node:async_hooks';
import type { Role } from './roles';

/** The signed-in user of a request, as the access rules see them. */
export interface Principal {
  userId: string;
  username: string;
  role: Role;
  /** Hospitals a staff or viewer account is scoped to; 'all' for admin and ops. */
  hospitalIds: string[] | 'all';
  sessionId: string;
}

export interface RequestContext {
  requestId: string;
  ip: string | null;
  principal?: Principal;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const requestContext = {
  run<T>(ctx: RequestContext, fn: () => T): T {
    return storage.run(ctx, fn);
  },
  get(): RequestContext | undefined {
    return storage.getStore();
  },
};
