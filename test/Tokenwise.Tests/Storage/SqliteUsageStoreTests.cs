using Microsoft.Data.Sqlite;
using Tokenwise.Metering;
using Tokenwise.Storage;
using Tokenwise.Storage.Sqlite;

namespace Tokenwise.Tests.Storage;

public sealed class SqliteUsageStoreTests : IDisposable
{
    private readonly TemporaryDatabase _database = new("store");

    public void Dispose() => _database.Dispose();

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
        Usage = new TokenUsage(100, 40, 30, 20, 5),
        CostUsd = cost,
        LatencyMs = 12.5,
        TtftMs = 3.25,
    };

    [Fact]
    public async Task MigratesOnceAndIsIdempotent()
    {
        var store = new SqliteUsageStore(_database.Path);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        await store.InitializeAsync(TestContext.Current.CancellationToken);

        await using var connection = new SqliteConnection($"Data Source={_database.Path}");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version; ";
        Assert.Equal((long)store.SchemaVersion, (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
    }

    [Fact]
    public async Task ADatabaseFromBeforeOneHourCacheWritesKeepsItsRowsAndReadsThemAsNone()
    {
        var ct = TestContext.Current.CancellationToken;
        // A version-5 file (as the release before one-hour writes left it), with a logged request and a cached answer
        // that wrote 3000 tokens to the cache.
        await using (var old = new SqliteConnection($"Data Source={_database.Path}"))
        {
            await old.OpenAsync(ct);
            foreach (var migration in SqliteMigrations.All.Take(5))
            {
                await SqliteDatabase.ExecuteAsync(old, migration, ct);
            }

            await SqliteDatabase.ExecuteAsync(old, """
                PRAGMA user_version = 5;
                INSERT INTO usage_events (id, started_at_ms, endpoint, dialect, model, stream, status, input_tokens,
                    cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_picousd, estimated, latency_ms)
                VALUES ('req_old', 1795000000000, 'messages', 'anthropic', 'claude-haiku-4-5', 0, 200, 3050, 0, 3000, 20, 0, 3900000000, 0, 12.5);
                INSERT INTO cache_entries (key, namespace, model, created_at_ms, expires_at_ms, stream, content_type, body,
                    input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, estimated)
                VALUES ('k', 'key:k1', 'claude-haiku-4-5', 1795000000000, 1795000600000, 0, 'application/json', x'7B7D', 3050, 0, 3000, 20, 0, 0);
                """, ct);
        }

        var store = new SqliteUsageStore(_database.Path);
        await store.InitializeAsync(ct);

        await using (var migrated = new SqliteConnection($"Data Source={_database.Path}"))
        {
            await migrated.OpenAsync(ct);
            Assert.Equal((long)SqliteMigrations.All.Count, await SqliteDatabase.ScalarAsync(migrated, "PRAGMA user_version;", ct));
        }

        var read = Assert.Single(await store.LatestAsync(10, ct));
        Assert.Equal((new TokenUsage(3050, 0, 3000, 20, 0), 0.0039m), (read.Usage, read.CostUsd));
        var cached = Assert.Single(await new SqliteCacheStore(new SqliteDatabase(_database.Path)).LoadAsync(DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000), ct));
        Assert.Equal(new TokenUsage(3050, 0, 3000, 20, 0), cached.Usage);
    }

    [Fact]
    public async Task RecordsRoundTripWithExactCosts()
    {
        var store = new SqliteUsageStore(_database.Path);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000);
        var original = Record("req_1", at, "gpt-4o-mini", "openai", 12.345678901234m);
        original.Usage = new TokenUsage(3100, 40, 3000, 20, 5) { CacheWrite1hTokens = 2000, ServiceTier = "priority", AudioInputTokens = 50, AudioOutputTokens = 7, WebSearchRequests = 3, SearchContextSize = "high" };
        original.UpstreamRequestId = "req_provider_1";

        await store.AppendAsync([original], TestContext.Current.CancellationToken);
        var read = Assert.Single(await store.LatestAsync(10, TestContext.Current.CancellationToken));

        Assert.Equal(original.CostUsd, read.CostUsd);
        Assert.Equal(original.Usage, read.Usage);
        Assert.Equal(at, read.StartedAt);
        Assert.Equal(3.25, read.TtftMs);
        Assert.Equal("req_provider_1", read.UpstreamRequestId);
        Assert.Null(read.RequestBody);
    }

    [Fact]
    public async Task SpendGroupsByModelProviderAndDay()
    {
        var store = new SqliteUsageStore(_database.Path);
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
        // Each record: 100 input tokens, 40 of them read from the cache and 30 written to it, 20 output, 5 of them reasoning.
        Assert.Equal((200L, 80L, 60L, 40L, 10L), (byModel[0].InputTokens, byModel[0].CachedInputTokens, byModel[0].CacheWriteTokens,
            byModel[0].OutputTokens, byModel[0].ReasoningTokens));
        Assert.Equal(1, byModel[1].Failed);

        var byProvider = await store.SpendAsync(new SpendQuery(day1.AddHours(-1), SpendGrouping.Provider), TestContext.Current.CancellationToken);
        Assert.Equal(0.35m, byProvider.Single(r => r.Group == "openai").CostUsd);

        var byDay = await store.SpendAsync(new SpendQuery(day1.AddHours(-1), SpendGrouping.Day), TestContext.Current.CancellationToken);
        Assert.Equal(["2026-11-01", "2026-11-02"], byDay.Select(r => r.Group));

        var recent = await store.SpendAsync(new SpendQuery(day2.AddHours(-1), SpendGrouping.Model), TestContext.Current.CancellationToken);
        Assert.Equal(0.20m, recent.Single(r => r.Group == "gpt-4o-mini").CostUsd);
    }

    [Fact]
    public async Task SumsPastTheRangeOfOneValueStayExact()
    {
        // Two calls of $9,000,000.000000000001 (each within a 64-bit picodollar, whose range is $9.2 million): their
        // integer sum() failed with "integer overflow", so every report, and the budget spent at start-up, failed with it.
        var store = new SqliteUsageStore(_database.Path);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        var at = new DateTimeOffset(2026, 11, 1, 10, 0, 0, TimeSpan.Zero);
        var big = 9_000_000.000000000001m;
        UsageRecord Big(string id)
        {
            var record = Record(id, at, "gpt-4o", "openai", big);
            (record.Team, record.Route, record.CounterfactualUsd, record.SavedUsd, record.OutcomeId) = ("whale", "auto", big, big, "o1");
            return record;
        }

        await store.AppendAsync([Big("a"), Big("b")], TestContext.Current.CancellationToken);
        await store.RecordOutcomeAsync(new Outcome("whale", "o1", "tickets", OutcomeStatus.Success, null, at), TestContext.Current.CancellationToken);
        var ct = TestContext.Current.CancellationToken;
        var total = 18_000_000.000000000002m;

        Assert.Equal(total, (await store.SpendAsync(new SpendQuery(at.AddHours(-1), SpendGrouping.Team), ct)).Single().CostUsd);
        Assert.Equal(total, await store.SpentAsync(Tokenwise.Budgets.BudgetScope.Team, "whale", at.AddHours(-1), ct));
        Assert.Equal(total, await store.SavedAsync(at.AddHours(-1), ct));
        var route = (await store.RoutesAsync(at.AddHours(-1), ct)).Single();
        Assert.Equal((total, total, 0m), (route.CostUsd, route.BaselineUsd, route.SavedUsd));
        Assert.Equal(total, (await store.WorkflowsAsync(at.AddHours(-1), ct)).Single().SpendUsd);
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("a\"b")]
    [InlineData("\\")]
    [InlineData("a\\\"")]
    [InlineData("caf\u00e9 [0] $")]
    public async Task ATagOfAnyNameIsFoundByReportsAndBudgets(string name)
    {
        var store = new SqliteUsageStore(_database.Path);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        var at = new DateTimeOffset(2026, 11, 1, 10, 0, 0, TimeSpan.Zero);
        var record = Record("a", at, "gpt-4o-mini", "openai", 0.25m);
        record.Tags = new Dictionary<string, string> { [name] = "v" };
        await store.AppendAsync([record, Record("b", at, "gpt-4o-mini", "openai", 0.5m)], TestContext.Current.CancellationToken);

        var byTag = await store.SpendAsync(new SpendQuery(at.AddHours(-1), SpendGrouping.Tag, Tag: name), TestContext.Current.CancellationToken);
        Assert.Equal(0.25m, byTag.Single(r => r.Group == "v").CostUsd);
        Assert.Equal(0.25m, await store.SpentAsync(Tokenwise.Budgets.BudgetScope.Tag, name + "=v", at.AddHours(-1), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task SpendGroupsByKeyTeamSessionAndTagAndKeepsTheTopSessions()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new SqliteUsageStore(_database.Path);
        await store.InitializeAsync(ct);
        var at = new DateTimeOffset(2026, 11, 1, 10, 0, 0, TimeSpan.Zero);
        UsageRecord Attributed(string id, decimal cost, string? key, string? team, string? session, string? feature)
        {
            var record = Record(id, at, "gpt-4o-mini", "openai", cost);
            (record.KeyId, record.Team, record.SessionId) = (key, team, session);
            record.Tags = feature is null ? null : new Dictionary<string, string> { ["feature"] = feature };
            return record;
        }

        await store.AppendAsync(
        [
            Attributed("a", 0.10m, "key_1", "support", "run-1", "triage"),
            Attributed("b", 0.20m, "key_1", "support", "run-1", "triage"),
            Attributed("c", 0.05m, "key_2", "support", "run-2", "search"),
            Attributed("d", 0.40m, "key_3", "sales", "run-3", null),
            Attributed("e", 0.01m, null, null, null, null),
        ], ct);

        async Task<(string, decimal, long)[]> By(SpendGrouping by, string? tag = null, int? limit = null) =>
            [.. (await store.SpendAsync(new SpendQuery(at.AddHours(-1), by, tag, limit), ct)).Select(r => (r.Group, r.CostUsd, r.Requests))];

        Assert.Equal([("key_3", 0.40m, 1L), ("key_1", 0.30m, 2L), ("key_2", 0.05m, 1L), ("(none)", 0.01m, 1L)], await By(SpendGrouping.Key));
        Assert.Equal([("sales", 0.40m, 1L), ("support", 0.35m, 3L), ("(none)", 0.01m, 1L)], await By(SpendGrouping.Team));
        Assert.Equal([("(none)", 0.41m, 2L), ("triage", 0.30m, 2L), ("search", 0.05m, 1L)], await By(SpendGrouping.Tag, "feature"));
        // Sessions leave out requests outside any session; the top N are the N that spent most.
        Assert.Equal([("run-3", 0.40m, 1L), ("run-1", 0.30m, 2L), ("run-2", 0.05m, 1L)], await By(SpendGrouping.Session));
        Assert.Equal([("run-3", 0.40m, 1L), ("run-1", 0.30m, 2L)], await By(SpendGrouping.Session, limit: 2));
    }

    [Fact]
    public async Task SpendByDayFollowsTheCalendarOfTheTimeZoneAcrossAClockChange()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new SqliteUsageStore(_database.Path);
        await store.InitializeAsync(ct);
        // Berlin leaves summer time on 2026-10-25, a 25-hour day: from 22:00 UTC on the 24th to 23:00 UTC on the 25th.
        await store.AppendAsync(
        [
            Record("before", new DateTimeOffset(2026, 10, 24, 21, 59, 0, TimeSpan.Zero), "m", "p", 0.01m), // 23:59 on the 24th in Berlin
            Record("first", new DateTimeOffset(2026, 10, 24, 22, 0, 0, TimeSpan.Zero), "m", "p", 0.02m),   // 00:00 on the 25th
            Record("last", new DateTimeOffset(2026, 10, 25, 22, 59, 0, TimeSpan.Zero), "m", "p", 0.04m),   // 23:59 on the 25th
            Record("after", new DateTimeOffset(2026, 10, 25, 23, 0, 0, TimeSpan.Zero), "m", "p", 0.08m),   // 00:00 on the 26th
        ], ct);
        var since = new DateTimeOffset(2026, 10, 20, 0, 0, 0, TimeSpan.Zero);

        var berlin = await store.SpendAsync(new SpendQuery(since, SpendGrouping.Day, TimeZone: TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")), ct);
        Assert.Equal([("2026-10-24", 0.01m), ("2026-10-25", 0.06m), ("2026-10-26", 0.08m)], berlin.Select(r => (r.Group, r.CostUsd)));

        var utc = await store.SpendAsync(new SpendQuery(since, SpendGrouping.Day), ct);
        Assert.Equal([("2026-10-24", 0.03m), ("2026-10-25", 0.12m)], utc.Select(r => (r.Group, r.CostUsd)));

        // With a limit, the days that spent most, still in calendar order.
        var top = await store.SpendAsync(new SpendQuery(since, SpendGrouping.Day, Limit: 2, TimeZone: TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")), ct);
        Assert.Equal(["2026-10-25", "2026-10-26"], top.Select(r => r.Group));
    }

    [Fact]
    public void PicoDollarsAreExactForCatalogPrices()
    {
        Assert.Equal(0.000000075m, CostUnits.FromPicoUsd(CostUnits.ToPicoUsd(0.000000075m)));
        Assert.Equal(1234.567891234567m, CostUnits.FromPicoUsd(CostUnits.ToPicoUsd(1234.567891234567m)));
    }
}
