namespace Tokenwise.Routing;

/// <summary>
/// One point of a threshold sweep: requests scoring at or above <paramref name="Threshold"/> go to
/// the strong model. <paramref name="Cost"/> is the mean cost per request when costs are known.
/// </summary>
public readonly record struct CurvePoint(double Threshold, double StrongShare, double Quality, double Pgr, double? Cost);
