namespace Tokenwise.Routing;

/// <summary>
/// RouteLLM's metrics for a router over labelled rows. Sweeping the threshold from above the highest
/// score to the lowest sends a growing share of requests to the strong model; at each threshold
/// <c>perf</c> is the mean quality when every request scoring at or above it is answered by the strong
/// model and the rest by the weak one, and PGR = (perf − weak mean) / (strong mean − weak mean).
/// CPT(x) is the smallest strong share whose PGR reaches x; APGR is the area under PGR against strong
/// share, by the trapezoidal rule over every point of the sweep (RouteLLM samples 10 evenly spaced
/// points; the full sweep is the exact area of the same curve).
/// </summary>
public sealed class RoutingCurve
{
    private RoutingCurve(IReadOnlyList<CurvePoint> points, double weakMean, double strongMean)
    {
        Points = points;
        WeakMean = weakMean;
        StrongMean = strongMean;
        Apgr = Area(points);
    }

    public IReadOnlyList<CurvePoint> Points { get; }

    public double WeakMean { get; }

    public double StrongMean { get; }

    public double Apgr { get; }

    /// <summary>Rows with equal scores move together: a threshold cannot split them.</summary>
    public static RoutingCurve Sweep(IReadOnlyList<RoutingRow> rows, IReadOnlyList<double> scores)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(scores);
        if (rows.Count == 0 || rows.Count != scores.Count)
        {
            throw new ArgumentException("One score per row, and at least one row.", nameof(scores));
        }

        var n = rows.Count;
        var weakSum = rows.Sum(r => r.WeakScore);
        var strongSum = rows.Sum(r => r.StrongScore);
        var weakMean = weakSum / n;
        var strongMean = strongSum / n;
        if (strongMean <= weakMean)
        {
            throw new ArgumentException($"The strong model's mean quality ({strongMean:0.####}) is not above the weak model's ({weakMean:0.####}): PGR is undefined.", nameof(rows));
        }

        var hasCost = rows.All(r => r.WeakCost is not null && r.StrongCost is not null);
        var weakCost = hasCost ? rows.Sum(r => r.WeakCost!.Value) : 0;

        // Stable order (score descending, then row order) so equal inputs give equal curves.
        var order = Enumerable.Range(0, n).OrderByDescending(i => scores[i]).ThenBy(i => i).ToArray();
        var points = new List<CurvePoint>(n + 1) { new(double.PositiveInfinity, 0, weakMean, 0, hasCost ? weakCost / n : null) };
        var quality = weakSum;
        var cost = weakCost;
        for (var k = 0; k < n;)
        {
            var threshold = scores[order[k]];
            for (; k < n && scores[order[k]] == threshold; k++)
            {
                var row = rows[order[k]];
                quality += row.StrongScore - row.WeakScore;
                cost += hasCost ? row.StrongCost!.Value - row.WeakCost!.Value : 0;
            }

            var perf = quality / n;
            points.Add(new CurvePoint(threshold, (double)k / n, perf, (perf - weakMean) / (strongMean - weakMean), hasCost ? cost / n : null));
        }

        return new RoutingCurve(points, weakMean, strongMean);
    }

    /// <summary>The random router's expected curve: strong share p gives PGR p, so APGR 0.5 and CPT(x) = x.</summary>
    public static RoutingCurve Random(IReadOnlyList<RoutingRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var n = rows.Count;
        var weakMean = rows.Average(r => r.WeakScore);
        var strongMean = rows.Average(r => r.StrongScore);
        var hasCost = rows.All(r => r.WeakCost is not null && r.StrongCost is not null);
        var weakCost = hasCost ? rows.Average(r => r.WeakCost!.Value) : 0;
        var strongCost = hasCost ? rows.Average(r => r.StrongCost!.Value) : 0;
        var points = new List<CurvePoint>(n + 1);
        for (var k = 0; k <= n; k++)
        {
            var p = (double)k / n;
            double? cost = hasCost ? weakCost * (1 - p) + strongCost * p : null;
            points.Add(new CurvePoint(1 - p, p, weakMean + p * (strongMean - weakMean), p, cost));
        }

        return new RoutingCurve(points, weakMean, strongMean);
    }

    /// <summary>The oracle knows each row's gain (strong − weak) and routes the largest gains first.</summary>
    public static RoutingCurve Oracle(IReadOnlyList<RoutingRow> rows) =>
        Sweep(rows, rows.Select(r => r.StrongScore - r.WeakScore).ToArray());

    /// <summary>The smallest strong share whose PGR reaches <paramref name="pgr"/> (1 when none does before all calls are strong).</summary>
    public double Cpt(double pgr) => Points.FirstOrDefault(p => p.Pgr >= pgr - 1e-12, Points[^1]).StrongShare;

    /// <summary>The first point of the sweep whose strong share is at least <paramref name="share"/>.</summary>
    public CurvePoint AtShare(double share) => Points.FirstOrDefault(p => p.StrongShare >= share - 1e-12, Points[^1]);

    private static double Area(IReadOnlyList<CurvePoint> points)
    {
        var area = 0.0;
        for (var i = 1; i < points.Count; i++)
        {
            area += (points[i].StrongShare - points[i - 1].StrongShare) * (points[i].Pgr + points[i - 1].Pgr) / 2;
        }

        return area;
    }
}
