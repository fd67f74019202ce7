using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tokenwise.Hosting;
using Tokenwise.Metering;
using Tokenwise.Storage.Sqlite;
using Tokenwise.Testing;

namespace Tokenwise.Tests.Hosting;

public sealed class UsageLogWriterTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"tokenwise-writer-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ARecordTheStoreCannotHoldIsLoggedAndDroppedAndTheRecordsAroundItAreStored()
    {
        // $10 billion is past the cost column's range (picodollars in 64 bits: $9.2 million); retried as part of its
        // batch, it stopped every later record from being stored.
        var store = new SqliteUsageStore(_path);
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
}
