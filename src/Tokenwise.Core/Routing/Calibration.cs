namespace Tokenwise.Routing;

/// <summary>Chooses a router's threshold from scores on rows it was not trained on.</summary>
public static class Calibration
{
    /// <summary>
    /// The threshold that sends <paramref name="share"/> of these prompts to the strong model: the score
    /// of the ⌈share·n⌉-th highest prompt (with ties, slightly more may go strong). Above every score for 0.
    /// </summary>
    public static double ForStrongShare(IReadOnlyList<double> scores, double share)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentOutOfRangeException.ThrowIfLessThan(share, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(share, 1);
        if (scores.Count == 0)
        {
            throw new ArgumentException("Calibration needs at least one score.", nameof(scores));
        }

        var k = (int)Math.Ceiling(share * scores.Count - 1e-9);
        if (k == 0)
        {
            return double.PositiveInfinity;
        }

        var sorted = scores.OrderByDescending(s => s).ToArray();
        return sorted[k - 1];
    }

    /// <summary>
    /// The highest threshold whose PGR on these labelled rows reaches <paramref name="pgr"/>: the cheapest
    /// setting that keeps that share of the quality gap.
    /// </summary>
    public static double ForQuality(IReadOnlyList<RoutingRow> rows, IReadOnlyList<double> scores, double pgr)
    {
        var curve = RoutingCurve.Sweep(rows, scores);
        return curve.Points.FirstOrDefault(p => p.Pgr >= pgr - 1e-12, curve.Points[^1]).Threshold;
    }
}
