namespace Tokenwise.Routing.Routes;

/// <summary>When a route moves on to its next deployment, how many it tries, and how long a failing one rests.</summary>
/// <param name="On">The failures that move on; any other answer (a 400, say) goes back to the client as it is.</param>
/// <param name="MaxAttempts">Deployments tried at most for one request, the first included.</param>
/// <param name="Cooldown">How long a deployment is tried last, after <paramref name="FailuresBeforeCooldown"/> failures in a row (longer when a 429 says so in Retry-After).</param>
/// <param name="FailuresBeforeCooldown">Consecutive failures that put a deployment into cooldown.</param>
public sealed record FallbackPolicy(FallbackTriggers On, int MaxAttempts, TimeSpan Cooldown, int FailuresBeforeCooldown)
{
    public static FallbackPolicy Default { get; } = new(FallbackTriggers.All, 3, TimeSpan.FromSeconds(30), 1);
}
