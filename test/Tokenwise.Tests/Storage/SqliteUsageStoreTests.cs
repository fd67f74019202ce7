using Microsoft.Data.Sqlite;
using Tokenwise.Metering;
using Tokenwise.Storage;
using Tokenwise.Storage.Sqlite;

namespace Tokenwise.Tests.Storage;

public sealed class SqliteUsageStoreTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"tokenwise-store-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }

    private static UsageRecord Record(string id, DateTimeOffset at, string model, string provider, decimal cost, int status = 200) => new()
    {
        Id = id,
        StartedAt = at,
        Endpoint = "chat.completions",
        Dialect = "openai",
        Model = model,
        Provider = provider,
        UpstreamModel = model,
        Status = status,
        Usage = new TokenUsage(100, 40, 0, 20, 5),
        CostUsd = cost,
        LatencyMs = 12.5,
        TtftMs = 3.25,
    };

    [Fact]
    public async Task MigratesOnceAndIsIdempotent()
    {
        var store = new SqliteUsageStore(_path);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        await store.InitializeAsync(TestContext.Current.CancellationToken);

        await using var connection = new SqliteConnection($"Data Source={_path}");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version; ";
        Assert.Equal((long)store.SchemaVersion, (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
    }

    [Fact]
    public async Task RecordsRoundTripWithExactCosts()
    {
        var store = new SqliteUsageStore(_path);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000);
        var original = Record("req_1", at, "gpt-4o-mini", "openai", 12.345678901234m);

        await store.AppendAsync([original], TestContext.Current.CancellationToken);
        var read = Assert.Single(await store.LatestAsync(10, TestContext.Current.CancellationToken));

        Assert.Equal(original.CostUsd, read.CostUsd);
        Assert.Equal(original.Usage, read.Usage);
        Assert.Equal(at, read.StartedAt);
        Assert.Equal(3.25, read.TtftMs);
        Assert.Null(read.RequestBody);
    }

    [Fact]
    public async Task SpendGroupsByModelProviderAndDay()
    {
        var store = new SqliteUsageStore(_path);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        var day1 = new DateTimeOffset(2026, 11, 1, 10, 0, 0, TimeSpan.Zero);
        var day2 = day1.AddDays(1);
        await store.AppendAsync(
        [
            Record("a", day1, "gpt-4o-mini", "openai", 0.10m),
            Record("b", day2, "gpt-4o-mini", "openai", 0.20m),
            Record("c", day2, "o3-mini", "openai", 0.05m, status: 500),
            Record("d", day2, "local", "ollama", 0m),
        ], TestContext.Current.CancellationToken);

        var byModel = await store.SpendAsync(new SpendQuery(day1.AddHours(-1), SpendGrouping.Model), TestContext.Current.CancellationToken);
        Assert.Equal(["gpt-4o-mini", "o3-mini", "local"], byModel.Select(r => r.Group));
        Assert.Equal(0.30m, byModel[0].CostUsd);
        Assert.Equal(2, byModel[0].Requests);
        Assert.Equal(1, byModel[1].Failed);

        var byProvider = await store.SpendAsync(new SpendQuery(day1.AddHours(-1), SpendGrouping.Provider), TestContext.Current.CancellationToken);
        Assert.Equal(0.35m, byProvider.Single(r => r.Group == "openai").CostUsd);

        var byDay = await store.SpendAsync(new SpendQuery(day1.AddHours(-1), SpendGrouping.Day), TestContext.Current.CancellationToken);
        Assert.Equal(["2026-11-01", "2026-11-02"], byDay.Select(r => r.Group));

        var recent = await store.SpendAsync(new SpendQuery(day2.AddHours(-1), SpendGrouping.Model), TestContext.Current.CancellationToken);
        Assert.Equal(0.20m, recent.Single(r => r.Group == "gpt-4o-mini").CostUsd);
    }

    [Fact]
    public void PicoDollarsAreExactForCatalogPrices()
    {
        Assert.Equal(0.000000075m, CostUnits.FromPicoUsd(CostUnits.ToPicoUsd(0.000000075m)));
        Assert.Equal(1234.567891234567m, CostUnits.FromPicoUsd(CostUnits.ToPicoUsd(1234.567891234567m)));
    }
}
