/**
 * Tasks for the check phase of the current turn of the event loop, run in order by
 * one setImmediate for the whole process. What a command does at its instant (its
 * ledger line, its run) waits for this phase so that every command due at that
 * instant is started first; a few thousand simulated agents in one process then
 * queue one closure each instead of an Immediate each (bench/agent-instant.ts).
 * A task queued while the tasks run goes to the next turn, as with setImmediate.
 */
const tasks: Array<() => void> = [];

export function afterThisTurn(task: () => void): void {
  if (tasks.push(task) === 1) setImmediate(runTasks);
}

function runTasks(): void {
  callEach(tasks.splice(0));
}

/**
 * Calls every function in order; one that throws does not keep the others from
 * running, and its error surfaces as uncaught, as a throwing timer callback's would.
 */
export function callEach(fns: Iterable<() => void>): void {
  for (const fn of fns) {
    try {
      fn();
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }
}
