namespace Tokenwise.Caching;

/// <summary>A request's cache state: its controls, then what the lookup decided.</summary>
public sealed class CacheState(CacheDirectives directives, double semanticThreshold = CacheDefaults.SemanticThreshold)
{
    public CacheDirectives Directives { get; } = directives;
    /// <summary>The similarity a semantic hit needs, for this request's model.</summary>
    public double SemanticThreshold { get; } = semanticThreshold;
    /// <summary>Set by a semantic lookup that embedded the question, so the answer is stored findable by meaning.</summary>
    public SemanticQuery? Semantic { get; set; }
    public float[]? Vector { get; set; }
    /// <summary>Set by the lookup when the answer may be stored under this key.</summary>
    public string? Key { get; set; }
    public string? Namespace { get; set; }
    /// <summary>The entry that answered the request, on a hit.</summary>
    public CacheEntry? Hit { get; set; }
    /// <summary>True once a hit's avoided cost has been recorded, so it is counted once.</summary>
    public bool Priced { get; set; }
}
