namespace Tokenwise.Budgets;

/// <summary>Requests and tokens per calendar minute and concurrent requests, for one key, team or model.</summary>
/// <param name="Target">A key id, team name or model name; <c>*</c> limits each key, team or model separately.</param>
public sealed record RateLimit(
    string Id,
    RateLimitScope Scope,
    string Target,
    long? RequestsPerMinute,
    long? TokensPerMinute,
    long? MaxConcurrent)
{
    public string Describe() => $"{Scope.ToString().ToLowerInvariant()} '{Target}' rate limit {Id}";
}
