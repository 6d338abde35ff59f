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
  for (const task of tasks.splice(0)) {
    try {
      task();
    } catch (err) {
      // As a throwing setImmediate callback would, without keeping the others from running.
      process.nextTick(() => {
        throw err;
      });
    }
  }
}
