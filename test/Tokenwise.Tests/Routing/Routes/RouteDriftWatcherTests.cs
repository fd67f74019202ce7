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
        var logger = new ListLogger();
        var watcher = new RouteDriftWatcher([route], TimeProvider.System, logger);

        for (var i = 0; i < 150; i++)
        {
            learned.Monitor.Record(strong: i % 4 != 0); // 112 of 150 strong against 30%
        }

        watcher.Check();
        watcher.Check();
        var drifting = Assert.Single(logger.Messages);
        Assert.Equal(LogLevel.Warning, drifting.Level);
        Assert.Contains("Route auto sends 74.7% of requests to its strong model against a target of 30.0%", drifting.Text, StringComparison.Ordinal);

        for (var i = 0; i < 1000; i++)
        {
            learned.Monitor.Record(strong: i % 10 < 3);
        }

        watcher.Check();
        Assert.Equal(2, logger.Messages.Count);
        Assert.Equal(LogLevel.Information, logger.Messages[1].Level);
        Assert.Contains("back near its target", logger.Messages[1].Text, StringComparison.Ordinal);
    }

    private sealed class ListLogger : ILogger<RouteDriftWatcher>
    {
        public List<(LogLevel Level, string Text)> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add((logLevel, formatter(state, exception)));
    }
}
