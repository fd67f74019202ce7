namespace Tokenwise.Routing;

/// <summary>
/// What the router decided and why: its score (higher = more likely to need the strong model) against
/// the calibrated threshold.
/// </summary>
public readonly record struct RouterDecision(double Score, double Threshold, bool UseStrong);
