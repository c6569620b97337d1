/**
 * A bound on what tfjs-layers keeps of networks that are gone.
 *
 * tfjs-layers caches the topological order of every (outputs, inputs) pair a functional model has
 * executed in one process-wide LRU cache of `TOPOLOGICAL_SORT_CACHE_MAX_ENTRIES` entries (100 by default).
 * Symbolic tensor names are unique within a process, so a search's children never share an entry, and each
 * entry holds a whole child's layer graph (layers, variable objects, symbolic tensors) after the child is
 * disposed: up to a hundred dead networks' worth of JS heap in a worker (measured by heap snapshots between
 * the 15th and 55th child of `bench/memory-soak.ts`: about 20 MB retained, and rising until the cache fills).
 * A child's training and evaluation use only a few entries, so the trainer caps the cache.
 */
import * as tf from '@tensorflow/tfjs';

/** Entries the layers graph cache keeps: enough for one child's training, features and evaluation graphs. */
export const GRAPH_CACHE_ENTRIES = 8;

const FLAG = 'TOPOLOGICAL_SORT_CACHE_MAX_ENTRIES';

/** Lowers tfjs-layers' graph cache to {@link GRAPH_CACHE_ENTRIES} entries (never raises it). */
export function capLayersGraphCache(): void {
  if (tf.env().getNumber(FLAG) > GRAPH_CACHE_ENTRIES) tf.env().set(FLAG, GRAPH_CACHE_ENTRIES);
}
