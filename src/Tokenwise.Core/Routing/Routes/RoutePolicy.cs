using Tokenwise.Pipeline;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// A route: a client-facing model name (e.g. <c>auto</c>, <c>support-triage</c>) served by a policy over
/// deployments, possibly of different providers and dialects. Built once from the config.
/// </summary>
public sealed class RoutePolicy
{
    public required string Name { get; init; }
    public required RouteStrategy Strategy { get; init; }
    /// <summary>The deployments, in the configured order (for a cascade: the order of escalation).</summary>
    public required IReadOnlyList<RouteTarget> Targets { get; init; }
    public IReadOnlyList<RouteRule> Rules { get; init; } = [];
    public FallbackPolicy Fallback { get; init; } = FallbackPolicy.Default;
    /// <summary>The deployment the route would use without routing (its strong one): every decision's counterfactual cost is this deployment's price for the same tokens.</summary>
    public required RouteTarget Baseline { get; init; }
    public LearnedRoute? Learned { get; init; }
    /// <summary>A cascade's checks (the strategy <see cref="RouteStrategy.Cascade"/>).</summary>
    public CascadePolicy Cascade { get; init; } = CascadePolicy.Default;
    public SensitiveMode Sensitive { get; init; }
    public ReasoningCap? ReasoningCap { get; init; }

    /// <summary>Stands for the route until a deployment is chosen: the first configured.</summary>
    public RouteTarget Primary => Targets[0];

    /// <summary>
    /// The most a request can cost on this route, given the most it can cost on each deployment: one
    /// deployment answers, so the dearest bounds it; a cascade may pay every step.
    /// </summary>
    public decimal Bound(Func<ModelDeployment, decimal> boundOn)
    {
        ArgumentNullException.ThrowIfNull(boundOn);
        return Strategy == RouteStrategy.Cascade ? Targets.Sum(t => boundOn(t.Deployment)) : Targets.Max(t => boundOn(t.Deployment));
    }

    public static string StrategyName(RouteStrategy strategy) => strategy switch
    {
        RouteStrategy.Priority => "priority",
        RouteStrategy.Weighted => "weighted",
        RouteStrategy.LeastLatency => "least-latency",
        RouteStrategy.LeastCost => "least-cost",
        RouteStrategy.Headroom => "headroom",
        RouteStrategy.Learned => "learned",
        RouteStrategy.Cascade => "cascade",
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, null),
    };

    public static bool TryParseStrategy(string? name, out RouteStrategy strategy)
    {
        foreach (var candidate in Enum.GetValues<RouteStrategy>())
        {
            if (string.Equals(StrategyName(candidate), name, StringComparison.OrdinalIgnoreCase))
            {
                strategy = candidate;
                return true;
            }
        }

        strategy = default;
        return false;
    }
}
