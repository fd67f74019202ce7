namespace Tokenwise.Caching;

/// <summary>Defaults chosen from <c>tokenwise cache eval</c> on the data in <c>../shared/data/cache</c> (see docs/caching.md).</summary>
public static class CacheDefaults
{
    /// <summary>The cosine similarity at or above which the semantic cache serves an entry (all-MiniLM-L6-v2).</summary>
    public const double SemanticThreshold = 0.90;
}
