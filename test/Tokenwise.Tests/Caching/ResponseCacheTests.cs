using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tokenwise.Admin;
using Tokenwise.Hosting;
using Tokenwise.Caching;
using Tokenwise.Metering;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;
using Tokenwise.Storage.Sqlite;

namespace Tokenwise.Tests.Caching;

public sealed class ResponseCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void HitsNeverExtendTheTimeToLive()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var cache = new ResponseCache(time, 10);
        cache.Add(Entry("k", time.GetUtcNow(), TimeSpan.FromSeconds(60)));

        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(11));
            Assert.True(cache.TryGet("k", out _)); // hit at 11, 22, ... 55 s
        }

        time.Advance(TimeSpan.FromSeconds(5)); // 60 s after it was stored, however often it was read
        Assert.False(cache.TryGet("k", out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void TheLeastRecentlyUsedEntryGoesFirst()
    {
        var time = new FakeTimeProvider();
        var cache = new ResponseCache(time, 2);
        cache.Add(Entry("a", time.GetUtcNow(), TimeSpan.FromHours(1)));
        cache.Add(Entry("b", time.GetUtcNow(), TimeSpan.FromHours(1)));
        Assert.True(cache.TryGet("a", out _));
        cache.Add(Entry("c", time.GetUtcNow(), TimeSpan.FromHours(1)));

        Assert.True(cache.TryGet("a", out _));
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("c", out _));
    }

    [Fact]
    public async Task ARestartKeepsEntries()
    {
        var path = Path.Combine(Path.GetTempPath(), "tokenwise-cache-" + Guid.NewGuid().ToString("N") + ".db");
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        var database = new SqliteDatabase(path);
        await database.InitializeAsync(Ct);
        var before = new ResponseCache(time, 10);
        var entry = Entry("kept", time.GetUtcNow(), TimeSpan.FromMinutes(5)) with
        {
            Tags = new Dictionary<string, string> { ["feature"] = "faq" },
            // What a hit saves depends on the split, the tier and the searches' size.
            Usage = new TokenUsage(3010, 0, 3000, 5, 0) { CacheWrite1hTokens = 2000, ServiceTier = "flex", AudioInputTokens = 5, WebSearchRequests = 1, SearchContextSize = "low" },
        };
        before.Add(entry);
        before.Add(Entry("expiring", time.GetUtcNow(), TimeSpan.FromSeconds(30)));
        var pending = new List<CacheEntry>();
        while (before.PendingSaves.TryRead(out var e))
        {
            pending.Add(e);
        }

        await new SqliteCacheStore(database).SaveAsync(pending, Ct);

        time.Advance(TimeSpan.FromMinutes(1));
        var after = new ResponseCache(time, 10);
        foreach (var loaded in await new SqliteCacheStore(new SqliteDatabase(path)).LoadAsync(time.GetUtcNow(), Ct))
        {
            after.Load(loaded);
        }

        Assert.True(after.TryGet("kept", out var restored));
        Assert.Equal(entry.Body, restored.Body);
        Assert.Equal(entry.Usage, restored.Usage);
        Assert.Equal(entry.ExpiresAt, restored.ExpiresAt);
        Assert.Equal("faq", restored.Tags!["feature"]);
        Assert.False(after.TryGet("expiring", out _)); // expired while the gateway was down
    }

    [Fact]
    public async Task InvalidationByAgeOrTagLeavesNeitherMemoryNorStoreHoldingTheEntryEvenIfItWasStillQueued()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        var database = new SqliteDatabase(Path.Combine(Path.GetTempPath(), "tokenwise-cache-" + Guid.NewGuid().ToString("N") + ".db"));
        await database.InitializeAsync(Ct);
        var store = new SqliteCacheStore(database);
        var cache = new ResponseCache(time, 10);
        using var writer = new CacheWriter(cache, store, NullLogger<CacheWriter>.Instance);
        var faq = new Dictionary<string, string> { ["feature"] = "faq" };
        cache.Add(Entry("old", time.GetUtcNow(), TimeSpan.FromDays(1)));
        cache.Add(Entry("old-faq", time.GetUtcNow(), TimeSpan.FromDays(1)) with { Tags = faq });
        await writer.DrainAsync(Ct); // both in the store
        time.Advance(TimeSpan.FromHours(2));
        cache.Add(Entry("new", time.GetUtcNow(), TimeSpan.FromDays(1)));
        cache.Add(Entry("new-faq", time.GetUtcNow(), TimeSpan.FromDays(1)) with { Tags = faq }); // queued, not yet written

        Assert.Equal(2, await writer.RemoveAsync(Filter("older_than=1h", time).Matches, Ct));
        Assert.Equal(1, await writer.RemoveAsync(Filter("tag=feature=faq", time).Matches, Ct));
        Assert.Equal(0, await writer.RemoveAsync(Filter("tag=feature=other", time).Matches, Ct));
        await writer.DrainAsync(Ct);

        Assert.Equal(["new"], cache.Snapshot().Select(e => e.Key));
        Assert.Equal(["new"], (await store.LoadAsync(time.GetUtcNow(), Ct)).Select(e => e.Key));
    }

    [Theory]
    [InlineData("", "at least one filter")]
    [InlineData("tenant=a", "'tenant'")]
    [InlineData("older_than=soon", "older_than")]
    [InlineData("tag=feature", "tag must be name=value")]
    [InlineData("team=a&team=b", "Give team once")]
    [InlineData("all=true&team=a", "give it alone")]
    [InlineData("all=yes", "all must be true or false")]
    public void ABadCacheFilterIsRefusedNamingIt(string query, string message)
    {
        var error = Assert.Throws<AdminException>(() => Filter(query, TimeProvider.System));
        Assert.Equal(400, error.Status);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheKeyCoversTenantModelAndEveryParameterButNotFieldOrder()
    {
        var mini = new ModelDeployment("fast", "openai", "gpt-4o-mini", ModelPrice.Free("gpt-4o-mini"));
        var large = mini with { UpstreamModel = "gpt-4o" };
        var baseline = Key("key:a", mini, """{"model":"fast","messages":[{"role":"user","content":"hi"}],"temperature":0}""");

        Assert.Equal(baseline, Key("key:a", mini, """{ "temperature":0, "messages":[{"content":"hi","role":"user"}], "model":"fast" }"""));
        Assert.Equal(baseline, Key("key:a", mini, """{"model":"fast","messages":[{"role":"user","content":"hi"}],"temperature":0,"metadata":{"feature":"x"}}"""));
        Assert.NotEqual(baseline, Key("key:b", mini, """{"model":"fast","messages":[{"role":"user","content":"hi"}],"temperature":0}"""));
        Assert.NotEqual(baseline, Key("key:a", large, """{"model":"fast","messages":[{"role":"user","content":"hi"}],"temperature":0}"""));
        Assert.NotEqual(baseline, Key("key:a", mini, """{"model":"fast","messages":[{"role":"user","content":"hi"}],"temperature":1}"""));
        Assert.NotEqual(baseline, Key("key:a", mini, """{"model":"fast","messages":[{"role":"user","content":"hi"}],"temperature":0,"seed":1}"""));
        Assert.NotEqual(baseline, Key("key:a", mini, """{"model":"fast","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}],"temperature":0}"""));
    }

    /// <summary>
    /// Stored entries are found again after an upgrade only if the key does not change: this one was computed
    /// by the first version (a JsonDocument written back with sorted keys). The body has escapes, a repeated
    /// name, and names whose UTF-8 and UTF-16 orders differ.
    /// </summary>
    [Fact]
    public void TheKeyIsTheSameAsTheFirstVersionComputedSoStoredEntriesStillHit()
    {
        var deployment = new ModelDeployment("fast", "openai", "gpt-4o-mini", ModelPrice.Free("gpt-4o-mini"));
        var request = new LlmRequest
        {
            Api = ApiKind.ChatCompletions,
            Dialect = "openai",
            Model = "fast",
            Body = Encoding.UTF8.GetBytes("""{"user":"u","temperature":0.5,"messages":[{"content":"caf\u00e9 <b>\"hi\"</b>","role":"user"}],"model":"fast","n":1,"\u006e":2,"ｚ":1,"𝔸":2,"metadata":{"a":1}}"""),
        };

        Assert.Equal("ae807b26b3fad2bd31abbe2117baecaab444c5abc7892417853aecdcec049f53", ExactCacheKey.Compute("key:a", deployment, request));
    }

    [Fact]
    public void RequestHeadersNarrowTheConfiguredCacheAndCapTheTtl()
    {
        var ttl = TimeSpan.FromHours(1);
        var max = TimeSpan.FromDays(1);
        Assert.Equal(CacheMode.Exact, CacheDirectives.Parse(CacheMode.Exact, ttl, max, null, "semantic", null, out _).Mode);
        Assert.Equal(CacheMode.Off, CacheDirectives.Parse(CacheMode.Exact, ttl, max, null, "off", null, out _).Mode);
        Assert.Equal(max, CacheDirectives.Parse(CacheMode.Exact, ttl, max, null, null, "999999", out _).Ttl);
        // Past int (a 400 before) and past long: longer still, so capped as well.
        Assert.Equal(max, CacheDirectives.Parse(CacheMode.Exact, ttl, max, null, null, "2147483648", out var bigError).Ttl);
        Assert.Equal(max, CacheDirectives.Parse(CacheMode.Exact, ttl, max, null, null, "99999999999999999999999", out _).Ttl);
        Assert.Null(bigError);
        Assert.Equal(TimeSpan.FromSeconds(7), CacheDirectives.Parse(CacheMode.Exact, ttl, max, null, null, " 007 ", out _).Ttl);
        foreach (var bad in new[] { "0", "000", "-5", "+5", "1.5", "1e3", "soon" })
        {
            CacheDirectives.Parse(CacheMode.Exact, ttl, max, null, null, bad, out var ttlError);
            Assert.NotNull(ttlError);
        }
        var noStore = CacheDirectives.Parse(CacheMode.Exact, ttl, max, "private, no-store", null, null, out _);
        Assert.True(noStore.NoStore && noStore.NoCache);
        CacheDirectives.Parse(CacheMode.Exact, ttl, max, null, "sometimes", null, out var error);
        Assert.NotNull(error);
    }

    private static CacheFilter Filter(string query, TimeProvider time) =>
        CacheFilter.Parse(new QueryCollection(QueryHelpers.ParseQuery(query)), time.GetUtcNow());

    private static string Key(string tenant, ModelDeployment deployment, string body)
    {
        Assert.True(Tokenwise.OpenAI.OpenAIRequestParser.TryParse(Encoding.UTF8.GetBytes(body), ApiKind.ChatCompletions, out var request, out _));
        return ExactCacheKey.Compute(tenant, deployment, request);
    }

    private static CacheEntry Entry(string key, DateTimeOffset now, TimeSpan ttl) => new()
    {
        Key = key,
        Namespace = "key:k1",
        KeyId = "k1",
        Team = "t",
        Model = "gpt-4o-mini",
        CreatedAt = now,
        ExpiresAt = now + ttl,
        Stream = false,
        ContentType = "application/json",
        Body = Encoding.UTF8.GetBytes("""{"id":"x"}"""),
        Usage = new TokenUsage(10, 0, 0, 5, 0),
    };
}
