using Tokenwise.Pipeline;

namespace Tokenwise.Routing.Routes;

/// <summary>A request's route decision: the deployments to try, in order, and why that order.</summary>
/// <param name="Order">First the chosen deployment, then its fallbacks.</param>
/// <param name="Reason">Why the first one, in words, e.g. <c>router score 0.31 &lt; 0.52: weak</c>.</param>
/// <param name="RouterScore">The learned router's score, on learned routes.</param>
/// <param name="Error">Set instead when no deployment can serve the request.</param>
public sealed record RoutePlan(IReadOnlyList<RouteTarget> Order, string Reason, double? RouterScore = null, GatewayError? Error = null);
