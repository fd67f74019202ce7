namespace Tokenwise.Routing;

/// <summary>
/// One labelled prompt: how well the weak and the strong model answered it (quality, higher is
/// better) and, when known, what each answer cost.
/// </summary>
public sealed record RoutingRow(string Prompt, double WeakScore, double StrongScore, double? WeakCost = null, double? StrongCost = null);
