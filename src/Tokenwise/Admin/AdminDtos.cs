using System.Text.Json.Serialization;
using Tokenwise.Access;
using Tokenwise.Budgets;
using Tokenwise.Storage;

namespace Tokenwise.Admin;

// The admin API's request and response bodies (snake_case JSON, see AdminJsonContext).

public sealed record CreateKeyRequest(string? Name, string? Team, string[]? AllowedModels, DateTimeOffset? ExpiresAt, Dictionary<string, string>? Metadata);

/// <summary>A key as the admin API shows it: never its hash, and its secret (<see cref="Key"/>) only once, when created or rotated.</summary>
public sealed record KeyInfo(
    string Id, string Name, string Team, string Prefix, DateTimeOffset CreatedAt, string[] AllowedModels,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, Dictionary<string, string> Metadata, bool Active)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Key { get; init; }

    public static KeyInfo From(VirtualKey k, DateTimeOffset now) => new(k.Id, k.Name, k.Team, k.Prefix, k.CreatedAt, [.. k.AllowedModels],
        k.ExpiresAt, k.RevokedAt, new(k.Metadata), k.IsActive(now));
}

public sealed record BudgetRequest(string? Id, string? Scope, string? Target, decimal? AmountUsd, string? Period, string? Mode, int[]? AlertPercents);

/// <summary>A budget and, for a single target, what its current window has spent or reserved.</summary>
public sealed record BudgetInfo(
    string Id, string Scope, string Target, decimal AmountUsd, string Period, string Mode, int[] AlertPercents,
    DateTimeOffset? WindowStart, DateTimeOffset? ResetsAt, decimal? CurrentUsd, decimal? ProjectedUsd, DateTimeOffset? ExhaustsAt);

public sealed record RateLimitRequest(string? Id, string? Scope, string? Target, long? RequestsPerMinute, long? TokensPerMinute, long? MaxConcurrent);

public sealed record RateLimitInfo(string Id, string Scope, string Target, long? RequestsPerMinute, long? TokensPerMinute, long? MaxConcurrent)
{
    public static RateLimitInfo From(RateLimit l) =>
        new(l.Id, l.Scope.ToString().ToLowerInvariant(), l.Target, l.RequestsPerMinute, l.TokensPerMinute, l.MaxConcurrent);
}

public sealed record OutcomeRequest(string? OutcomeId, string? Workflow, string? Status, decimal? Value);

public sealed record OutcomeInfo(string OutcomeId, string Workflow, string Status, decimal? Value, DateTimeOffset ReportedAt)
{
    public static OutcomeInfo From(Outcome o) => new(o.Id, o.Workflow, o.Status.ToString().ToLowerInvariant(), o.Value, o.ReportedAt);
}

/// <summary>
/// The response cache: what it holds, how often it answered, and what that saved — since this process started
/// (<see cref="SavedUsd"/>) and, from the usage log, over the <see cref="Since"/> window (<see cref="LoggedSavedUsd"/>).
/// <see cref="SemanticEntries"/> of the entries can also be found by meaning; <see cref="SemanticHits"/> of the hits were.
/// </summary>
public sealed record CacheStats(
    string Mode, int TtlSeconds, string Namespace, int Entries, int MaxEntries, long Hits, long Misses, double HitRate, decimal SavedUsd,
    string Since, decimal LoggedSavedUsd, int SemanticEntries, long SemanticHits);

/// <summary>How many entries an invalidation removed.</summary>
public sealed record CacheInvalidation(int Removed);

/// <summary>The JSON a budget alert webhook receives.</summary>
public sealed record BudgetAlertMessage(
    string Event, string BudgetId, string Scope, string Target, string Period, string Mode, int Percent,
    decimal AmountUsd, decimal SpentUsd, DateTimeOffset? WindowStart, DateTimeOffset? ResetsAt, DateTimeOffset At)
{
    public static BudgetAlertMessage From(BudgetAlert a) => new(a.Refused ? "budget.exhausted" : "budget.threshold_crossed", a.BudgetId, a.Scope.ToString().ToLowerInvariant(),
        a.Target, a.Period.ToString().ToLowerInvariant(), a.Mode.ToString().ToLowerInvariant(), a.Percent, a.AmountUsd, a.SpentUsd,
        a.WindowStart == DateTimeOffset.MinValue ? null : a.WindowStart, a.ResetsAt, a.At);
}

/// <summary>A route as <c>GET /admin/routes</c> shows it: its deployments' health and, when learned, its share of strong calls.</summary>
public sealed record RouteStatus(string Name, string Strategy, string Baseline, RouteDeploymentStatus[] Deployments, LearnedRouteStatus? Learned);

/// <param name="LatencyMs">Moving average time to first byte; null until a success.</param>
/// <param name="CoolingDownUntil">Set while the deployment rests after failures.</param>
public sealed record RouteDeploymentStatus(string Model, string Provider, string UpstreamModel, long Successes, long Failures, double? LatencyMs,
    DateTimeOffset? CoolingDownUntil, int RequestsThisMinute, long TokensThisMinute, int? RequestsPerMinute, long? TokensPerMinute, double Weight);

public sealed record LearnedRouteStatus(string Strong, string Weak, double Threshold, long Decisions, int Window, double StrongShare,
    double? TargetStrongShare, double? Drift, bool Drifting);
