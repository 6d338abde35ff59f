import { describe, expect, it } from 'vitest';
import { afterThisTurn } from './check-phase';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('afterThisTurn', () => {
  it('runs the tasks in order after the current code, and a task queued by a task in a later turn', async () => {
    const ran: string[] = [];
    afterThisTurn(() => {
      ran.push('a');
      afterThisTurn(() => ran.push('queued by a'));
    });
    afterThisTurn(() => ran.push('b'));
    ran.push('sync');
    await nextTurn();
    expect(ran).toEqual(['sync', 'a', 'b']);
    await nextTurn();
    expect(ran).toEqual(['sync', 'a', 'b', 'queued by a']);
  });

  it('still runs the others when one task throws, and the error surfaces as uncaught', async () => {
    const ran: string[] = [];
    const errors: unknown[] = [];
    const onError = (err: unknown) => errors.push(err);
    process.prependListener('uncaughtException', onError);
    try {
      afterThisTurn(() => {
        throw new Error('boom');
      });
      afterThisTurn(() => ran.push('after'));
      await nextTurn();
      await nextTurn();
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(ran).toEqual(['after']);
    expect(errors).toHaveLength(1);
  });
});
