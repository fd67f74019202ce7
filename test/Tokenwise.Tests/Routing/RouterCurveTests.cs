using Tokenwise.Routing;

namespace Tokenwise.Tests.Routing;

public sealed class RouterCurveTests
{
    // weak mean 0.25, strong mean 0.75: gap 0.5. Gains: row0 +1, row1 0, row2 +1, row3 0.
    private static readonly RoutingRow[] Rows =
    [
        new("a", 0, 1),
        new("b", 1, 1),
        new("c", 0, 1),
        new("d", 0, 0),
    ];

    [Fact]
    public void PgrAtEachThresholdIsTheShareOfTheGapRecovered()
    {
        // Scores put the two gainful rows first.
        var curve = RoutingCurve.Sweep(Rows, [0.9, 0.2, 0.8, 0.1]);

        Assert.Equal([0, 0.25, 0.5, 0.75, 1], curve.Points.Select(p => p.StrongShare));
        Assert.Equal([0, 0.5, 1, 1, 1], curve.Points.Select(p => p.Pgr));
        Assert.Equal(0.25, curve.WeakMean);
        Assert.Equal(0.75, curve.StrongMean);
        Assert.Equal(0.75, curve.Points[2].Quality); // (weak 1 + two gains of 1) / 4
    }

    [Fact]
    public void ApgrIsTheTrapezoidalAreaAndCptTheSmallestShareReachingTheTarget()
    {
        var curve = RoutingCurve.Sweep(Rows, [0.9, 0.2, 0.8, 0.1]);

        // Area: 0.25*(0+0.5)/2 + 0.25*(0.5+1)/2 + 0.25*1 + 0.25*1 = 0.0625 + 0.1875 + 0.5 = 0.75.
        Assert.Equal(0.75, curve.Apgr, 12);
        Assert.Equal(0.25, curve.Cpt(0.5));
        Assert.Equal(0.5, curve.Cpt(0.8));
    }

    [Fact]
    public void TiedScoresMoveTogether()
    {
        var curve = RoutingCurve.Sweep(Rows, [0.5, 0.5, 0.5, 0.5]);

        Assert.Equal([0, 1], curve.Points.Select(p => p.StrongShare));
        Assert.Equal(0.5, curve.Apgr, 12);
    }

    [Fact]
    public void RandomRouterIsTheDiagonalAndOracleRoutesGainsFirst()
    {
        var random = RoutingCurve.Random(Rows);
        Assert.Equal(0.5, random.Apgr, 12);
        Assert.Equal(0.5, random.Cpt(0.5));

        // Both gainful rows have the same oracle score (gain 1), so they go strong together.
        var oracle = RoutingCurve.Oracle(Rows);
        Assert.Equal(0.5, oracle.Cpt(0.5));
        Assert.Equal(0.5, oracle.Cpt(1));
    }

    [Fact]
    public void CostsAreAveragedAlongTheCurve()
    {
        RoutingRow[] rows = [new("a", 0, 1, 1, 10), new("b", 1, 1, 1, 10)];
        var curve = RoutingCurve.Sweep(rows, [1, 0]);

        Assert.Equal([1, 5.5, 10], curve.Points.Select(p => p.Cost!.Value));
    }

    [Fact]
    public void UndefinedWhenTheStrongModelIsNotBetter()
    {
        Assert.Throws<ArgumentException>(() => RoutingCurve.Sweep([new RoutingRow("a", 1, 0)], [0.5]));
    }

    [Fact]
    public void CalibrationHitsTheTargetShareOnItsRows()
    {
        var scores = Enumerable.Range(0, 100).Select(i => i / 100.0).ToArray();

        var threshold = Calibration.ForStrongShare(scores, 0.3);

        Assert.Equal(30, scores.Count(s => s >= threshold));
        Assert.True(double.IsPositiveInfinity(Calibration.ForStrongShare(scores, 0)));
        Assert.Equal(0, Calibration.ForStrongShare(scores, 1));
    }

    [Fact]
    public void QualityCalibrationPicksTheCheapestThresholdReachingThePgr()
    {
        var threshold = Calibration.ForQuality(Rows, [0.9, 0.2, 0.8, 0.1], 0.8);

        Assert.Equal(0.8, threshold);
    }
}
