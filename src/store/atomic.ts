/**
 * Atomic file writes for the run store. The writer lives in core/atomic.ts, so that evaluators (which may
 * not import the store) write checkpoints with the same guarantees.
 */
export { syncDirectory, tempPrefix, writeFileAtomic } from '../core/atomic.ts';
