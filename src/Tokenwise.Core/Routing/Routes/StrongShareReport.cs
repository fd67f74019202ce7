namespace Tokenwise.Routing.Routes;

/// <summary>A learned route's recent share of strong calls against its target.</summary>
/// <param name="Decisions">Decisions since start.</param>
/// <param name="Window">Decisions the share is measured over (the most recent, up to the monitor's window).</param>
/// <param name="StrongShare">Share of those sent to the strong model.</param>
/// <param name="TargetShare">The share the threshold was calibrated (or configured) for.</param>
/// <param name="Drift"><paramref name="StrongShare"/> − <paramref name="TargetShare"/>.</param>
/// <param name="Drifting">The drift is beyond tolerance over enough decisions to mean it.</param>
public sealed record StrongShareReport(long Decisions, int Window, double StrongShare, double? TargetShare, double? Drift, bool Drifting);
