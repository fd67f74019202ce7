namespace Tokenwise.Budgets;

/// <summary>What a rate limit applies to: a key id, a team name or a client-facing model name.</summary>
public enum RateLimitScope
{
    Key,
    Team,
    Model,
}
