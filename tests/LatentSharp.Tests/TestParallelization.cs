// Test classes run one at a time. TorchSharp 0.107 frees the native scalar behind an implicit conversion
// (`tensor / 2`, `tensor * 0.5`) only in its finalizer and keeps nothing alive while the native operation reads it,
// so a garbage collection triggered by another thread in that window frees it first (docs/dependencies.md, "A known
// TorchSharp 0.107 fault"). Two test classes running at once are exactly that: a random numeric test failed with
// LibTorch's "Expected false to be true" about once in 20 full runs, and once in CI (AutoencoderTrainerTests,
// 2026-12-07). One test at a time leaves no other thread allocating beside the one doing tensor work, except in the
// server tests, whose request threads are the point.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
