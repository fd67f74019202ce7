namespace Tokenwise.Budgets;

/// <summary>
/// What a rate limit applies to: a key id, a team name, or a model (the name a client sends or the upstream model
/// it resolves to, see <see cref="AdmissionGate"/>).
/// </summary>
public enum RateLimitScope
{
    Key,
    Team,
    Model,
}
