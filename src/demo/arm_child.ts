/**
 * Child-process entry of `runArmInChild` (arm_process.ts): receives one ArmChildRequest over IPC,
 * runs the arm (which initialises the engine from the arm's config), and sends each training
 * event, then the result or the error (code, message and hint), before exiting.
 */
import { exitEngine } from '../engine/index.js';
import { PlcaError } from '../util/errors.js';
import type { ArmChildMessage, ArmChildRequest } from './arm_process.js';
import { runArm } from './run_arm.js';

const send = (m: ArmChildMessage): Promise<void> => new Promise((resolve) => process.send!(m, () => resolve()));

process.once('message', (req: ArmChildRequest) => {
  runArm(req.arm, { ...req.options, onEvent: (event) => { process.send!({ type: 'event', event } satisfies ArmChildMessage); } })
    .then((result) => send({ type: 'result', result }))
    .then(() => exitEngine(0), async (e: unknown) => {
      const error = e instanceof PlcaError ? { code: e.code, message: e.message, hint: e.hint }
        : { code: 'PLCA_INTERNAL' as const, message: e instanceof Error ? e.stack ?? e.message : String(e) };
      await send({ type: 'error', error });
      exitEngine(1);
    });
});
