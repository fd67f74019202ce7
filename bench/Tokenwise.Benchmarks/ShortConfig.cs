using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace Tokenwise.Benchmarks;

/// <summary>
/// A short job (one launch, 3 warm-up and 8 measured iterations) so that the whole suite runs in a
/// couple of minutes; enough for the allocation figures (exact) and for timings within a few percent.
/// </summary>
public sealed class ShortConfig : ManualConfig
{
    public ShortConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(8)
            .WithId("Short"));
    }
}
