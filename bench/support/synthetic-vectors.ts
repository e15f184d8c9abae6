// The generator lives beside the tuner's tests (src specs may not import bench/); the serving
// bench still imports it from here.
export * from '../../src/tuning/testing/synthetic-vectors';
