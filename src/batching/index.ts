export {
  AdaptiveBatcher,
  type AdaptiveBatcherOptions,
  type AdaptiveBatcherStats,
  type BatchReport,
} from './adaptive-batcher';
export type {
  RetuneReason,
  SizeBucketSnapshot,
  TargetChange,
  TunerPhase,
} from './batch-size-tuner';
