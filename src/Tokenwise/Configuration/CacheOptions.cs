using Microsoft.Extensions.Configuration;
using Tokenwise.Caching;

namespace Tokenwise.Configuration;

/// <summary>
/// The response cache (docs/caching.md). Exact caching is on by default; semantic caching (exact, then by
/// meaning) is opt-in, for the whole gateway or per client-facing model. Requests can only narrow the mode.
/// </summary>
public sealed class CacheOptions
{
    /// <summary><c>off</c>, <c>exact</c> (the default) or <c>semantic</c>.</summary>
    [ConfigurationKeyName("mode")]
    public CacheMode Mode { get; set; } = CacheMode.Exact;

    /// <summary>The cosine similarity a semantic hit needs (all-MiniLM-L6-v2's scale by default).</summary>
    [ConfigurationKeyName("threshold")]
    public double Threshold { get; set; } = CacheDefaults.SemanticThreshold;

    /// <summary>How long an entry lives from when it was stored; hits do not extend it.</summary>
    [ConfigurationKeyName("ttl_seconds")]
    public int TtlSeconds { get; set; } = DefaultTtlSeconds;

    public const int DefaultTtlSeconds = 3600;

    /// <summary>The most a request's <c>x-tokenwise-cache-ttl</c> may ask for.</summary>
    [ConfigurationKeyName("max_ttl_seconds")]
    public int MaxTtlSeconds { get; set; } = 86_400;

    /// <summary>Entries kept; the least recently used go first.</summary>
    [ConfigurationKeyName("max_entries")]
    public int MaxEntries { get; set; } = 10_000;

    /// <summary><c>key</c> (each virtual key its own entries, the default) or <c>team</c> (keys of a team share).</summary>
    [ConfigurationKeyName("namespace")]
    public string Namespace { get; set; } = "key";

    [ConfigurationKeyName("embeddings")]
    public CacheEmbeddingOptions Embeddings { get; set; } = new();

    /// <summary>Mode and threshold by client-facing model name (a route's name), over the settings above.</summary>
    [ConfigurationKeyName("models")]
    public Dictionary<string, CacheModelOptions> Models { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Whether any model may be served by meaning, so the gateway needs an embedder.</summary>
    public bool UsesSemantic => Mode == CacheMode.Semantic || Models.Values.Any(m => m.ModeOrDefault() == CacheMode.Semantic);

    /// <summary>The mode and threshold configured for requests naming <paramref name="model"/>.</summary>
    public (CacheMode Mode, double Threshold) For(string model) => Models.TryGetValue(model, out var m)
        ? (m.ModeOrDefault() ?? Mode, m.Threshold ?? Threshold)
        : (Mode, Threshold);
}
