/**
 * Entry point of a worker process: builds its evaluator once from the `init` message, then answers
 * each `eval` with a `result`. It exits when told to, or when its parent goes away (the IPC channel
 * closes, or a watchdog thread sees the parent gone), so a killed run leaves no workers behind.
 */
import { Worker } from 'node:worker_threads';
import type { Evaluator, EvaluatorModule } from '../core/evaluator.ts';
import type { EvalRequest } from '../core/trial.ts';
import { checkScore, crashResult } from './executor.ts';
import { PARENT_PID_ENV, type FromWorker, type ToWorker } from './protocol.ts';

let evaluator: Promise<Evaluator> | undefined;

function send(message: FromWorker): void {
  process.send?.(message);
}

async function init(moduleUrl: string, spec: string, options: Extract<ToWorker, { type: 'init' }>['options']): Promise<Evaluator> {
  const mod = (await import(moduleUrl)) as EvaluatorModule;
  return mod.createEvaluator(spec, options);
}

async function evaluate(request: EvalRequest): Promise<void> {
  if (!evaluator) throw new Error('worker received eval before init');
  let ev: Evaluator;
  try {
    ev = await evaluator;
  } catch (err) {
    send({ type: 'init-error', message: err instanceof Error ? err.message : String(err) });
    return;
  }
  send({ type: 'started', trialId: request.trialId });
  try {
    send({ type: 'result', result: checkScore(await ev.evaluate(request)) });
  } catch (err) {
    send({ type: 'result', result: crashResult(request.trialId, err) });
  }
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'init') {
    evaluator = init(message.module, message.spec, message.options);
    evaluator.catch(() => undefined);
  } else if (message.type === 'eval') {
    void evaluate(message.request);
  } else if (message.type === 'exit') {
    void (async () => {
      try {
        await (await evaluator)?.close?.();
      } finally {
        process.exit(0);
      }
    })();
  }
});

process.on('disconnect', () => process.exit(0));

// A training step can hold the event loop for minutes, so 'disconnect' alone would leave an orphan
// training on after its run was killed. A watchdog thread, which runs whatever the main thread does,
// ends this process as soon as its parent is gone.
const WATCHDOG = `
const { workerData } = require('node:worker_threads');
setInterval(() => { if (process.ppid !== workerData.ppid) process.kill(workerData.pid, 'SIGKILL'); }, 500);
`;
// The pool's pid comes from the environment: if the pool died before this line, process.ppid is already 1.
const poolPid = Number(process.env[PARENT_PID_ENV]) || process.ppid;
new Worker(WATCHDOG, { eval: true, workerData: { ppid: poolPid, pid: process.pid } }).unref();
