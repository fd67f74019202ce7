using System.Text;
using Microsoft.Extensions.Time.Testing;
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
        var entry = Entry("kept", time.GetUtcNow(), TimeSpan.FromMinutes(5)) with { Tags = new Dictionary<string, string> { ["feature"] = "faq" } };
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

    [Fact]
    public void RequestHeadersNarrowTheConfiguredCacheAndCapTheTtl()
    {
        var ttl = TimeSpan.FromHours(1);
        var max = TimeSpan.FromDays(1);
        Assert.Equal(CacheMode.Exact, CacheDirectives.Parse(CacheMode.Exact, ttl, max, null, "semantic", null, out _).Mode);
        Assert.Equal(CacheMode.Off, CacheDirectives.Parse(CacheMode.Exact, ttl, max, null, "off", null, out _).Mode);
        Assert.Equal(max, CacheDirectives.Parse(CacheMode.Exact, ttl, max, null, null, "999999", out _).Ttl);
        var noStore = CacheDirectives.Parse(CacheMode.Exact, ttl, max, "private, no-store", null, null, out _);
        Assert.True(noStore.NoStore && noStore.NoCache);
        CacheDirectives.Parse(CacheMode.Exact, ttl, max, null, "sometimes", null, out var error);
        Assert.NotNull(error);
    }

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
