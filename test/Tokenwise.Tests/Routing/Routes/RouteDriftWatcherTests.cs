using Microsoft.Extensions.Logging;
using Tokenwise.Hosting;
using Tokenwise.Routing;
using Tokenwise.Routing.Routes;
using Tokenwise.Testing;
using static Tokenwise.Tests.Routing.Routes.RouteFixtures;

namespace Tokenwise.Tests.Routing.Routes;

public sealed class RouteDriftWatcherTests
{
    [Fact]
    public void ARouteThatDriftsFromItsTargetIsLoggedOnceAndAgainWhenItComesBack()
    {
        var embedder = new HashingEmbedder();
        var model = ToyRouter.Train(embedder);
        var strong = Target("gpt-4o");
        var weak = Target("gpt-4o-mini");
        var learned = new LearnedRoute(strong, weak, new StrongWeakRouter(model), embedder, model.Threshold, targetShare: 0.3);
        var route = new RoutePolicy { Name = "auto", Strategy = RouteStrategy.Learned, Targets = [strong, weak], Baseline = strong, Learned = learned };
        var logger = new RecordingLogger<RouteDriftWatcher>();
        var watcher = new RouteDriftWatcher([route], TimeProvider.System, logger);

        for (var i = 0; i < 150; i++)
        {
            learned.Monitor.Record(strong: i % 4 != 0); // 112 of 150 strong against 30%
        }

        watcher.Check();
        watcher.Check();
        var drifting = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, drifting.Level);
        Assert.Contains("Route auto sends 74.7% of requests to its strong model against a target of 30.0%", drifting.Text, StringComparison.Ordinal);

        for (var i = 0; i < 1000; i++)
        {
            learned.Monitor.Record(strong: i % 10 < 3);
        }

        watcher.Check();
        Assert.Equal(2, logger.Entries.Count);
        Assert.Equal(LogLevel.Information, logger.Entries[1].Level);
        Assert.Contains("back near its target", logger.Entries[1].Text, StringComparison.Ordinal);
    }
}
