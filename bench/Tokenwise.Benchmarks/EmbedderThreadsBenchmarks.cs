using BenchmarkDotNet.Attributes;
using Tokenwise.Embeddings;

namespace Tokenwise.Benchmarks;

/// <summary>
/// Embedding the 50-token prompt of <see cref="CacheBenchmarks"/> with all-MiniLM-L6-v2 on one ONNX thread (the
/// default, reproducible bit for bit) against two (<c>cache.embeddings.threads: 2</c>), in the same run.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class EmbedderThreadsBenchmarks
{
    private MiniLmEmbedder _embedder = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup() => _embedder = new MiniLmEmbedder(Threads);

    [GlobalCleanup]
    public void Cleanup() => _embedder.Dispose();

    [Benchmark]
    public async Task<float[][]> EmbedFiftyTokenPrompt() => await _embedder.EmbedAsync([CacheBenchmarks.Prompt], CancellationToken.None);
}
