namespace Tokenwise.Storage;

/// <summary>One route in the routing report: what it served, what that cost, and what its baseline deployment would have cost.</summary>
/// <param name="Requests">Requests to the route (cache hits included).</param>
/// <param name="Rerouted">Requests that needed more than one deployment (a fallback or an escalation).</param>
/// <param name="EscalatedCalls">Cascade answers paid for and not used.</param>
/// <param name="CostUsd">What the route's requests cost, escalated calls included.</param>
/// <param name="BaselineUsd">The baseline deployment's price for the tokens of the requests that reached a deployment.</param>
/// <param name="SavedUsd"><paramref name="BaselineUsd"/> less what those requests (and their escalations) cost: negative when routing cost more.</param>
public sealed record RouteRow(string Route, long Requests, long Rerouted, long EscalatedCalls, decimal CostUsd, decimal BaselineUsd, decimal SavedUsd);
