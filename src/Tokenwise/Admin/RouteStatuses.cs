using Tokenwise.Routing.Routes;

namespace Tokenwise.Admin;

/// <summary>The routes' live state for <c>GET /admin/routes</c> and <c>tokenwise routes</c>.</summary>
internal static class RouteStatuses
{
    public static RouteStatus[] Of(IEnumerable<RoutePolicy> routes, DeploymentHealthBook health, DateTimeOffset now) =>
        routes.OrderBy(r => r.Name, StringComparer.Ordinal).Select(route => new RouteStatus(
            route.Name,
            RoutePolicy.StrategyName(route.Strategy),
            route.Baseline.Model,
            route.Targets.Select(t => Deployment(t, health.Of(t), now)).ToArray(),
            route.Learned is { } learned ? Learned(learned) : null)).ToArray();

    private static RouteDeploymentStatus Deployment(RouteTarget target, DeploymentHealth health, DateTimeOffset now)
    {
        var (requests, tokens) = health.ThisMinute(now);
        var latency = health.LatencyMs;
        return new RouteDeploymentStatus(target.Model, target.Deployment.Provider, target.Deployment.UpstreamModel, health.Successes, health.Failures,
            double.IsNaN(latency) ? null : Math.Round(latency, 3), health.IsCoolingDown(now) ? health.CoolingUntil : null,
            requests, tokens, target.RequestsPerMinute, target.TokensPerMinute, target.Weight);
    }

    private static LearnedRouteStatus Learned(LearnedRoute learned)
    {
        var report = learned.Monitor.Report();
        return new LearnedRouteStatus(learned.Strong.Model, learned.Weak.Model, learned.Threshold, report.Decisions, report.Window,
            report.StrongShare, report.TargetShare, report.Drift, report.Drifting);
    }
}
