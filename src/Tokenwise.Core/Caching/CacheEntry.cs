using Tokenwise.Metering;

namespace Tokenwise.Caching;

/// <summary>
/// One stored answer, exactly as the client received it (JSON, or the SSE stream's bytes), with who it
/// belongs to and the usage it took to make, which prices each hit's avoided cost.
/// </summary>
public sealed record CacheEntry
{
    /// <summary>The exact-cache key (hex SHA-256 of scope and normalized request).</summary>
    public required string Key { get; init; }
    /// <summary>The tenant namespace (<c>key:ID</c>, <c>team:NAME</c> or <c>master</c>).</summary>
    public required string Namespace { get; init; }
    public string? KeyId { get; init; }
    public string? Team { get; init; }
    /// <summary>The resolved upstream model.</summary>
    public required string Model { get; init; }
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>Fixed when stored: hits never move it.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }
    public required bool Stream { get; init; }
    public required string ContentType { get; init; }
    public required byte[] Body { get; init; }
    public required TokenUsage Usage { get; init; }
    public bool Estimated { get; init; }
    /// <summary>Set when the answer was stored in semantic mode: the entry can also answer a paraphrase within its scope.</summary>
    public SemanticKey? Semantic { get; init; }
}
