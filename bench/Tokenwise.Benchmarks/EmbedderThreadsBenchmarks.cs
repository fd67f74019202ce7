using BenchmarkDotNet.Attributes;
using Tokenwise.Embeddings;

namespace Tokenwise.Benchmarks;

/// <summary>
/// Embedding the 50-token prompt of <see cref="CacheBenchmarks"/> with all-MiniLM-L6-v2 on one ONNX thread (what router
/// training uses: the same bits on any machine) against two (the gateway's default, <c>cache.embeddings.threads</c>), in the same run.
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
