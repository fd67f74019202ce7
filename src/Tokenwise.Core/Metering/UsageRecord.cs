namespace Tokenwise.Metering;

/// <summary>
/// What one request through the gateway used and cost: the row of the usage log.
/// Written once per request, whether it succeeded, failed or was cancelled.
/// </summary>
public sealed class UsageRecord
{
    public required string Id { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>The API called, e.g. <c>chat.completions</c> or <c>embeddings</c>.</summary>
    public required string Endpoint { get; init; }
    /// <summary>The wire dialect the client spoke: <c>openai</c> or <c>anthropic</c>.</summary>
    public required string Dialect { get; init; }
    /// <summary>The model name the client asked for; empty when the request could not be parsed.</summary>
    public string Model { get; set; } = "";
    public string? Provider { get; set; }
    /// <summary>The virtual key that made the request (its id, never its secret); null for the master key or no key.</summary>
    public string? KeyId { get; set; }
    /// <summary>The team of <see cref="KeyId"/>.</summary>
    public string? Team { get; set; }
    /// <summary>Tags from <c>x-tokenwise-tags</c> or the request's <c>metadata</c>, e.g. <c>feature=triage</c>; null when none.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; set; }
    /// <summary>Whether the request carries <paramref name="tag"/>, written <c>name=value</c>.</summary>
    public bool HasTag(string tag)
    {
        var equals = tag.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 && Tags is { } tags && tags.TryGetValue(tag[..equals], out var value)
            && string.Equals(value, tag[(equals + 1)..], StringComparison.Ordinal);
    }

    /// <summary>One agent run or conversation (<c>x-tokenwise-session</c>).</summary>
    public string? SessionId { get; set; }
    /// <summary>The business outcome the request worked towards (<c>x-tokenwise-outcome</c>).</summary>
    public string? OutcomeId { get; set; }
    public string? UpstreamModel { get; set; }
    /// <summary>The provider's id for the call that answered (OpenAI's <c>x-request-id</c>, Anthropic's <c>request-id</c>).</summary>
    public string? UpstreamRequestId { get; set; }
    public bool Stream { get; set; }
    /// <summary>HTTP status returned to the client; 499 when the client went away first.</summary>
    public int Status { get; set; }
    /// <summary>The error code (e.g. <c>model_not_found</c>, <c>upstream_timeout</c>) of a failed request.</summary>
    public string? ErrorCode { get; set; }
    public TokenUsage Usage { get; set; }
    public decimal CostUsd { get; set; }
    /// <summary>
    /// Neither the catalog nor the config knows a price for the model that served the call (a model newer than the
    /// catalog, a name it files elsewhere), so <see cref="CostUsd"/> (and a cache hit's <see cref="SavedUsd"/>) reads 0, and
    /// the call counted nothing against budgets.
    /// </summary>
    public bool Unpriced { get; set; }
    /// <summary>The response cache's decision: <c>hit-exact</c> or <c>miss</c>; null when the request was not cacheable.</summary>
    public string? Cache { get; set; }
    /// <summary>What a cache hit avoided: the stored answer's tokens at the current price (the savings ledger).</summary>
    public decimal SavedUsd { get; set; }
    /// <summary>The route the model name named, when it was one (docs/routing.md).</summary>
    public string? Route { get; set; }
    /// <summary>The route's strategy, e.g. <c>learned</c> or <c>priority</c>.</summary>
    public string? RoutePolicy { get; set; }
    /// <summary>Why the deployment that answered was chosen, and each fallback on the way.</summary>
    public string? RouteReason { get; set; }
    /// <summary>The learned router's score, on learned routes.</summary>
    public double? RouterScore { get; set; }
    /// <summary>Deployments tried, the one that answered included; 0 when the request was not routed.</summary>
    public int RouteAttempts { get; set; }
    /// <summary>What the route's baseline (strong) deployment would have charged for the same tokens; null when not routed.</summary>
    public decimal? CounterfactualUsd { get; set; }
    /// <summary>True when the token counts were estimated with a tokenizer instead of reported upstream.</summary>
    public bool Estimated { get; set; }
    public double LatencyMs { get; set; }
    /// <summary>Time to the first byte of the answer from upstream, when one arrived.</summary>
    public double? TtftMs { get; set; }
    /// <summary>Request and response bodies, only when body logging is enabled.</summary>
    public string? RequestBody { get; set; }
    public string? ResponseBody { get; set; }
}
