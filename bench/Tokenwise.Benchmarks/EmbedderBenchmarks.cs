using BenchmarkDotNet.Attributes;
using Tokenwise.Embeddings;

namespace Tokenwise.Benchmarks;

/// <summary>
/// Embedding the 50-token prompt of <see cref="CacheBenchmarks"/> with all-MiniLM-L6-v2, in the same run: int8 (the
/// default) against fp32 (the package's weights, the baseline), on one ONNX thread (what router training uses: the
/// same bits on any machine) and on two (the gateway's default, <c>cache.embeddings.threads</c>).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class EmbedderBenchmarks
{
    private MiniLmEmbedder _embedder = null!;

    [Params(MiniLmPrecision.Float32, MiniLmPrecision.Int8)]
    public MiniLmPrecision Precision { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup() => _embedder = new MiniLmEmbedder(Threads, Precision);

    [GlobalCleanup]
    public void Cleanup() => _embedder.Dispose();

    [Benchmark]
    public async Task<float[][]> EmbedFiftyTokenPrompt() => await _embedder.EmbedAsync([CacheBenchmarks.Prompt], CancellationToken.None);

    /// <summary>The fixed part of an embedding: a two-character text.</summary>
    [Benchmark]
    public async Task<float[][]> EmbedHi() => await _embedder.EmbedAsync(["hi"], CancellationToken.None);
}
