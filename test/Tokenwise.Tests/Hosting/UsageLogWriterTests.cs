using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Tokenwise.Budgets;
using Tokenwise.Hosting;
using Tokenwise.Metering;
using Tokenwise.Storage;
using Tokenwise.Storage.Sqlite;
using Tokenwise.Tests.Storage;
using Tokenwise.Testing;

namespace Tokenwise.Tests.Hosting;

public sealed class UsageLogWriterTests : IDisposable
{
    private readonly TemporaryDatabase _database = new("writer");

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task ARecordTheStoreCannotHoldIsLoggedAndDroppedAndTheRecordsAroundItAreStored()
    {
        // $10 billion is past the cost column's range (picodollars in 64 bits: $9.2 million); retried as part of its
        // batch, it stopped every later record from being stored.
        var store = new SqliteUsageStore(_database.Path);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var log = new UsageLog();
        var logger = new RecordingLogger<UsageLogWriter>();
        var writer = new UsageLogWriter(log, store, new UsageMetrics(services.GetRequiredService<IMeterFactory>(), log), 256, TimeProvider.System, logger);
        await writer.StartAsync(TestContext.Current.CancellationToken);

        foreach (var (id, cost) in new[] { ("req_before", 0.5m), ("req_absurd", 10_000_000_000m), ("req_after", 0.25m) })
        {
            log.Enqueue(new UsageRecord { Id = id, StartedAt = DateTimeOffset.UtcNow, Endpoint = "chat.completions", Dialect = "openai", Model = "m", Status = 200, CostUsd = cost });
        }

        await writer.FlushAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        log.Enqueue(new UsageRecord { Id = "req_later", StartedAt = DateTimeOffset.UtcNow, Endpoint = "chat.completions", Dialect = "openai", Model = "m", Status = 200 });
        await writer.FlushAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await writer.StopAsync(TestContext.Current.CancellationToken);

        var stored = await store.LatestAsync(10, TestContext.Current.CancellationToken);
        Assert.Equal(["req_after", "req_before", "req_later"], stored.Select(r => r.Id).Order(StringComparer.Ordinal));
        var dropped = Assert.Single(logger.Entries, e => e.Level == LogLevel.Critical);
        Assert.Contains("req_absurd cannot be stored and is dropped", dropped.Text, StringComparison.Ordinal);
        Assert.Contains("10000000000 USD", dropped.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStoreThatRefusesWritesForTheGracePeriodMakesTheGatewayNotReadyUntilItTakesThemAgain()
    {
        var store = new RefusingStore(new SqliteUsageStore(_database.Path)) { Refusing = true };
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var time = new FakeTimeProvider();
        var log = new UsageLog();
        var writer = new UsageLogWriter(log, store, new UsageMetrics(services.GetRequiredService<IMeterFactory>(), log), 256, time, new RecordingLogger<UsageLogWriter>());
        var readiness = new Readiness(writer, log);
        readiness.MarkReady();
        await writer.StartAsync(TestContext.Current.CancellationToken);

        log.Enqueue(new UsageRecord { Id = "req_waiting", StartedAt = DateTimeOffset.UtcNow, Endpoint = "chat.completions", Dialect = "openai", Model = "m", Status = 200 });
        await WaitUntilAsync(() => store.Refused >= 1, time); // the batch window, then the first write
        Assert.Equal(Readiness.Ready, readiness.Status); // one failed write is a busy moment, not an outage

        time.Advance(Readiness.UsageLogGrace);
        Assert.Equal("usage_log_failing", readiness.Status);

        store.Refusing = false;
        await WaitUntilAsync(() => writer.Written == 1, time); // the next retry
        Assert.Equal(Readiness.Ready, readiness.Status);
        Assert.Equal(TimeSpan.Zero, writer.FailingFor);
        await writer.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal("req_waiting", Assert.Single(await store.LatestAsync(10, TestContext.Current.CancellationToken)).Id);
    }

    /// <summary>Moves the writer's clock on in small steps (its batch window and retry delays run on it) until <paramref name="condition"/> holds.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, FakeTimeProvider time)
    {
        for (var waited = 0; !condition(); waited += 10)
        {
            Assert.True(waited < 10_000, "The condition did not hold within 10 s.");
            time.Advance(TimeSpan.FromMilliseconds(20));
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The SQLite log, refusing writes while <see cref="Refusing"/> is set, as a full disk does.</summary>
    private sealed class RefusingStore(SqliteUsageStore inner) : IUsageStore
    {
        private int _refused;

        public bool Refusing { get; set; }

        public int Refused => Volatile.Read(ref _refused);

        public Task AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
        {
            if (Refusing)
            {
                Interlocked.Increment(ref _refused);
                throw new IOException("No space left on device");
            }

            return inner.AppendAsync(records, cancellationToken);
        }

        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public Task<IReadOnlyList<UsageRecord>> LatestAsync(int limit, CancellationToken cancellationToken = default) => inner.LatestAsync(limit, cancellationToken);

        public Task<IReadOnlyList<SpendRow>> SpendAsync(SpendQuery query, CancellationToken cancellationToken = default) => inner.SpendAsync(query, cancellationToken);

        public Task<decimal> SpentAsync(BudgetScope scope, string target, DateTimeOffset since, CancellationToken cancellationToken = default) =>
            inner.SpentAsync(scope, target, since, cancellationToken);

        public Task<decimal> SavedAsync(DateTimeOffset since, CancellationToken cancellationToken = default) => inner.SavedAsync(since, cancellationToken);

        public Task<IReadOnlyList<RouteRow>> RoutesAsync(DateTimeOffset since, CancellationToken cancellationToken = default) => inner.RoutesAsync(since, cancellationToken);

        public IAsyncEnumerable<BilledCall> BilledSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default) => inner.BilledSinceAsync(since, cancellationToken);

        public IAsyncEnumerable<SessionStep> SessionStepsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
            inner.SessionStepsSinceAsync(since, cancellationToken);

        public IAsyncEnumerable<LoggedRequest> LoggedRequestsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
            inner.LoggedRequestsSinceAsync(since, cancellationToken);

        public Task RecordOutcomeAsync(Outcome outcome, CancellationToken cancellationToken = default) => inner.RecordOutcomeAsync(outcome, cancellationToken);

        public Task<IReadOnlyList<WorkflowRow>> WorkflowsAsync(DateTimeOffset since, CancellationToken cancellationToken = default) => inner.WorkflowsAsync(since, cancellationToken);
    }
}
