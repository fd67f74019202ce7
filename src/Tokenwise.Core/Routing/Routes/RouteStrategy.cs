namespace Tokenwise.Routing.Routes;

/// <summary>How a route orders its deployments for a request (docs/routing.md, "Routes").</summary>
public enum RouteStrategy
{
    /// <summary>In the order configured: the first is the primary, the rest are its fallbacks.</summary>
    Priority,
    /// <summary>A random order drawn by weight, so traffic splits in proportion.</summary>
    Weighted,
    /// <summary>Fastest first, by each deployment's moving average time to first byte.</summary>
    LeastLatency,
    /// <summary>Cheapest first, for this request's prompt and output bound at each deployment's price.</summary>
    LeastCost,
    /// <summary>Most spare capacity first, against each deployment's own requests- and tokens-per-minute limits.</summary>
    Headroom,
    /// <summary>The learned strong/weak router decides; the other model is the fallback.</summary>
    Learned,
    /// <summary>The cheapest model answers first; the answer is checked and the request escalates when a check fails.</summary>
    Cascade,
}
