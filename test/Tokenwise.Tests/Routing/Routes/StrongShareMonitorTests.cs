using Tokenwise.Routing.Routes;

namespace Tokenwise.Tests.Routing.Routes;

public sealed class StrongShareMonitorTests
{
    [Fact]
    public void TheShareIsOverTheMostRecentWindowAndDriftNeedsEnoughDecisions()
    {
        var monitor = new StrongShareMonitor(targetShare: 0.3, window: 200);
        for (var i = 0; i < 99; i++)
        {
            monitor.Record(strong: true);
        }

        // 100% strong against 30%, but over 99 decisions only: not yet reported as drifting.
        Assert.False(monitor.Report().Drifting);
        monitor.Record(strong: true);
        var report = monitor.Report();
        Assert.Equal((100L, 100, 1.0, true), (report.Decisions, report.Window, report.StrongShare, report.Drifting));
        Assert.Equal(0.7, report.Drift!.Value, 10);

        // 200 weak decisions push every strong one out of the window.
        for (var i = 0; i < 200; i++)
        {
            monitor.Record(strong: false);
        }

        report = monitor.Report();
        Assert.Equal((300L, 200, 0.0), (report.Decisions, report.Window, report.StrongShare));
        Assert.True(report.Drifting);

        // 60 strong of the last 200 is 30%: on target.
        for (var i = 0; i < 60; i++)
        {
            monitor.Record(strong: true);
        }

        report = monitor.Report();
        Assert.Equal(0.3, report.StrongShare, 10);
        Assert.False(report.Drifting);
    }

    [Fact]
    public void WithoutATargetTheShareIsReportedButNotDrift()
    {
        var monitor = new StrongShareMonitor(targetShare: null);
        for (var i = 0; i < 500; i++)
        {
            monitor.Record(strong: i % 4 == 0);
        }

        var report = monitor.Report();
        Assert.Equal((0.25, (double?)null, false), (report.StrongShare, report.Drift, report.Drifting));
    }
}
