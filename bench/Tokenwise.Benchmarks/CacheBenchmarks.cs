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
/// embedding a 50-token prompt with all-MiniLM-L6-v2; the second stage over the 4 nearest questions; and
/// the whole semantic lookup — embedding, HNSW search over <see cref="Entries"/>, second stage (goal ≤ 10 ms
/// p50). The search alone, against brute force, is <see cref="VectorSearchBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class CacheBenchmarks
{
    public const string Prompt = "Our checkout page shows an error after the customer enters a discount code. The order total does not update and "
        + "the pay button stays disabled. What should support check first, and how do we explain it to the customer politely?";

    private ResponseCache _cache = null!;
    private LlmRequest _request = null!;
    private ModelDeployment _deployment = null!;
    private IVectorIndex _hnsw = null!;
    private MiniLmEmbedder _embedder = null!;

    /// <summary>Entries in the semantic index searched by <see cref="SemanticLookup"/>.</summary>
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

        _hnsw = VectorSearchBenchmarks.Build(new HnswIndex(), Entries, out _);
        _embedder = new MiniLmEmbedder(Configuration.CacheEmbeddingOptions.DefaultThreads); // as the gateway runs it
    }

    [GlobalCleanup]
    public void Cleanup() => _embedder.Dispose();

    [Benchmark]
    public bool ExactLookup() => _cache.TryGet(ExactCacheKey.Compute("key:k1", _deployment, _request), out _);

    [Benchmark]
    public async Task<float[][]> EmbedFiftyTokenPrompt() => await _embedder.EmbedAsync([Prompt], CancellationToken.None);

    [Benchmark]
    public SemanticDecision SecondStage() => SemanticMatcher.Default.Decide(Prompt, s_candidates);

    [Benchmark]
    public async Task<bool> SemanticLookup()
    {
        var vector = (await _embedder.EmbedAsync([Prompt], CancellationToken.None))[0];
        var matches = _hnsw.Search(vector, SemanticMatcher.Candidates);
        return SemanticMatcher.Default.Decide(Prompt, [.. matches.Select((m, i) => s_candidates[i] with { Similarity = m.Similarity })]).Accepted;
    }

    /// <summary>Four stored support questions of the prompt's length, one its paraphrase.</summary>
    private static readonly SemanticCandidate[] s_candidates =
    [
        new("Our checkout page shows an error once a customer enters a discount code: the total does not update and the pay button stays disabled. What should support check first, and how do we explain it politely?", 0.93f),
        new("Our checkout page shows an error after the customer enters a gift card. The order total does not update. What should support check first?", 0.90f),
        new("The login page shows an error after the customer enters a one-time code and the sign-in button stays disabled. What should support check first?", 0.86f),
        new("How do we explain a delayed refund to a customer politely, and what should support check first?", 0.84f),
    ];

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
