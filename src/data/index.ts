/**
 * The data layer's public API: dataset specs and loading, splits, normalisation and the batch iterator.
 * Everything here produces typed arrays; src/train turns batches into tensors.
 */
export type { AugmentOptions, Batch, ImageSet, Normalization } from './types.ts';
export { loadDataset, type DatasetInfo, type LoadDatasetOptions, type LoadedDataset } from './load.ts';
export {
  BUILTIN_KINDS, DEFAULT_DATASET, DIRECTORY_KINDS, parseDatasetSpec,
  type DatasetKind, type DatasetSpec,
} from './spec.ts';
export { batchCount, batches, type BatchOptions } from './batches.ts';
export { computeNormalization, splitValidation, type SplitOptions } from './split.ts';
export { classCounts, makeImageSet, subset } from './image-set.ts';
export { readCifar10, readCifar100, CIFAR10_CLASSES, type CifarReadOptions, type TrainTestSets } from './cifar.ts';
export { readIdxDataset, parseIdx, FASHION_MNIST_CLASSES, MNIST_CLASSES, type IdxReadOptions } from './idx.ts';
export { readImageFolder, type ImageFolderOptions } from './image-folder.ts';
export { decodeImage, resizeBilinear } from './image-decode.ts';
export { fashionMnistMiniDir, makeFashionMnistMini } from './fashion-mnist-mini.ts';
