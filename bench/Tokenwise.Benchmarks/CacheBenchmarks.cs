using System.Text;
using BenchmarkDotNet.Attributes;
using Tokenwise.Caching;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;
using Tokenwise.Embeddings;

namespace Tokenwise.Benchmarks;

/// <summary>
/// The cache's lookup costs (issue 5 goals): an exact lookup (key hash + dictionary, goal ≤ 50 µs);
/// a semantic search of 384-dimension vectors with HNSW against brute force (the baseline, same run),
/// goal ≤ 1 ms at 1M entries; and embedding a 50-token prompt with all-MiniLM-L6-v2 (goal, with the
/// search, ≤ 10 ms p50). Vectors are clustered random unit vectors, seeded, so every run is the same.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class CacheBenchmarks
{
    private const int Dimensions = 384;
    private const string Prompt = "Our checkout page shows an error after the customer enters a discount code. The order total does not update and "
        + "the pay button stays disabled. What should support check first, and how do we explain it to the customer politely?";

    private ResponseCache _cache = null!;
    private LlmRequest _request = null!;
    private ModelDeployment _deployment = null!;
    private IVectorIndex _exact = null!;
    private IVectorIndex _hnsw = null!;
    private float[][] _queries = null!;
    private MiniLmEmbedder _embedder = null!;
    private int _next;

    /// <summary>Entries in the semantic index. 1M takes long to build on 2 cores: run it with <c>--filter *Cache*</c> alone.</summary>
    [Params(100_000)]
    public int Entries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _deployment = new ModelDeployment("gpt-4o-mini", "openai", "gpt-4o-mini", ModelPrice.Free("gpt-4o-mini"));
        OpenAIRequestParser.TryParse(Encoding.UTF8.GetBytes($$"""{"model":"gpt-4o-mini","temperature":0,"messages":[{"role":"system","content":"You are a support assistant."},{"role":"user","content":"{{Prompt}}"}]}"""),
            ApiKind.ChatCompletions, out _request, out _);
        _cache = new ResponseCache(TimeProvider.System, 10_000);
        for (var i = 0; i < 10_000; i++)
        {
            _cache.Load(Entry(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        _cache.Load(Entry(ExactCacheKey.Compute("key:k1", _deployment, _request)));

        var random = new Random(5);
        var centres = Enumerable.Range(0, 1000).Select(_ => Unit(random, null, 1f)).ToArray();
        _exact = new ExactVectorIndex();
        _hnsw = new HnswIndex();
        for (var i = 0; i < Entries; i++)
        {
            var v = Unit(random, centres[i % centres.Length], 0.4f);
            _exact.Add(i, v);
            _hnsw.Add(i, v);
        }

        _queries = Enumerable.Range(0, 256).Select(i => Unit(random, centres[i % centres.Length], 0.4f)).ToArray();
        _embedder = new MiniLmEmbedder();
    }

    [GlobalCleanup]
    public void Cleanup() => _embedder.Dispose();

    [Benchmark]
    public bool ExactLookup() => _cache.TryGet(ExactCacheKey.Compute("key:k1", _deployment, _request), out _);

    [Benchmark(Baseline = true)]
    public long BruteForceSearch() => _exact.Nearest(_queries[_next++ & 255])!.Value.Id;

    [Benchmark]
    public long HnswSearch() => _hnsw.Nearest(_queries[_next++ & 255])!.Value.Id;

    [Benchmark]
    public async Task<float[][]> EmbedFiftyTokenPrompt() => await _embedder.EmbedAsync([Prompt], CancellationToken.None);

    private static float[] Unit(Random random, float[]? centre, float spread)
    {
        var v = new float[Dimensions];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (centre?[i] ?? 0f) + (float)(((random.NextDouble() * 2) - 1) * spread);
        }

        return Vectors.Normalize(v);
    }

    private static CacheEntry Entry(string key) => new()
    {
        Key = key,
        Namespace = "key:k1",
        Model = "gpt-4o-mini",
        CreatedAt = DateTimeOffset.UtcNow,
        ExpiresAt = DateTimeOffset.UtcNow.AddDays(1),
        Stream = false,
        ContentType = "application/json",
        Body = [],
        Usage = new TokenUsage(50, 0, 0, 50, 0),
    };
}
