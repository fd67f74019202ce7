using System.Text.Json.Serialization;
using Tokenwise.Metering;

namespace Tokenwise.Admin;

/// <summary>A usage record as the admin API shows it.</summary>
public sealed record RequestLogEntry(
    string Id,
    DateTimeOffset Time,
    string Endpoint,
    string Dialect,
    string Model,
    string? Provider,
    string? UpstreamModel,
    string? UpstreamRequestId,
    bool Stream,
    int Status,
    string? ErrorCode,
    long InputTokens,
    long CachedInputTokens,
    long CacheWriteTokens,
    // The snake-case policy would run the digit into the word before it (cache_write1h_tokens).
    [property: JsonPropertyName("cache_write_1h_tokens")] long CacheWrite1hTokens,
    long OutputTokens,
    long ReasoningTokens,
    long AudioInputTokens,
    long AudioOutputTokens,
    long WebSearchRequests,
    string? SearchContextSize,
    string? ServiceTier,
    decimal CostUsd,
    bool Unpriced,
    bool Estimated,
    double LatencyMs,
    double? TtftMs,
    string? Route,
    string? RoutePolicy,
    string? RouteReason,
    double? RouterScore,
    int RouteAttempts,
    decimal? CounterfactualUsd)
{
    public static RequestLogEntry From(UsageRecord r) => new(
        r.Id, r.StartedAt, r.Endpoint, r.Dialect, r.Model, r.Provider, r.UpstreamModel, r.UpstreamRequestId, r.Stream, r.Status, r.ErrorCode,
        r.Usage.InputTokens, r.Usage.CachedInputTokens, r.Usage.CacheWriteTokens, r.Usage.CacheWrite1hTokens, r.Usage.OutputTokens, r.Usage.ReasoningTokens,
        r.Usage.AudioInputTokens, r.Usage.AudioOutputTokens, r.Usage.WebSearchRequests, r.Usage.SearchContextSize, r.Usage.ServiceTier, r.CostUsd, r.Unpriced, r.Estimated, Math.Round(r.LatencyMs, 3), r.TtftMs is { } t ? Math.Round(t, 3) : null,
        r.Route, r.RoutePolicy, r.RouteReason, r.RouterScore, r.RouteAttempts, r.CounterfactualUsd);
}
