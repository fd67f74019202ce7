using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tokenwise.Caching;
using Tokenwise.Embeddings;
using Tokenwise.Metering;
using Tokenwise.Storage.Sqlite;
using Tokenwise.Testing;

namespace Tokenwise.Tests.Caching;

/// <summary>The cache's vector index: lifetime, eviction and persistence of entries found by meaning.</summary>
public sealed class SemanticResponseCacheTests
{
    private const string Embedder = "test-hashing";
    private static readonly HashingEmbedder s_embedder = new();
    private static readonly SemanticQuery s_query = new("scope-1", "How can I reset my account password");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void SemanticHitsNeverExtendTheTimeToLive()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture));
        var cache = new ResponseCache(time, 10, Embedder);
        cache.Add(Entry("k", "scope-1", "How do I reset my account password", time.GetUtcNow(), TimeSpan.FromSeconds(60)));

        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(11));
            Assert.True(Find(cache, s_query, out _)); // hits at 11, 22, ... 55 s
        }

        time.Advance(TimeSpan.FromSeconds(5)); // 60 s after it was stored, however often it was found
        Assert.False(Find(cache, s_query, out _));
        Assert.Equal((0, 0), (cache.Count, cache.SemanticCount));
    }

    [Fact]
    public void AnEvictedOrReplacedEntryLeavesTheIndexAndAnotherScopeIsNeverSearched()
    {
        var time = new FakeTimeProvider();
        var cache = new ResponseCache(time, 2, Embedder);
        cache.Add(Entry("a", "scope-1", "How do I reset my account password", time.GetUtcNow(), TimeSpan.FromHours(1)));
        Assert.False(Find(cache, s_query with { Scope = "scope-2" }, out _));

        cache.Add(Entry("b", "scope-2", "b", time.GetUtcNow(), TimeSpan.FromHours(1)));
        cache.Add(Entry("c", "scope-2", "c", time.GetUtcNow(), TimeSpan.FromHours(1))); // evicts a
        Assert.False(Find(cache, s_query, out _));
        Assert.Equal(2, cache.SemanticCount);

        cache.Add(Entry("c", "scope-1", "How do I reset my account password", time.GetUtcNow(), TimeSpan.FromHours(1))); // replaces c
        Assert.True(Find(cache, s_query, out var found));
        Assert.Equal("c", found.Key);
        Assert.Equal(2, cache.SemanticCount);
        Assert.Equal(["c"], cache.RemoveWhere(e => e.Key == "c"));
        Assert.Equal(1, cache.SemanticCount);
    }

    [Fact]
    public async Task ARestartRebuildsTheIndexFromTheStoreWithEntriesOfTheSameEmbedderOnly()
    {
        var path = Path.Combine(Path.GetTempPath(), "tokenwise-semantic-" + Guid.NewGuid().ToString("N") + ".db");
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        var database = new SqliteDatabase(path);
        await database.InitializeAsync(Ct);
        var entry = Entry("kept", "scope-1", "How do I reset my account password", time.GetUtcNow(), TimeSpan.FromMinutes(5));
        var other = Entry("other", "scope-1", "How do I reset my account password", time.GetUtcNow(), TimeSpan.FromMinutes(5));
        await new SqliteCacheStore(database).SaveAsync([entry, other with { Semantic = other.Semantic! with { Embedder = "another-model" } }], Ct);

        var after = new ResponseCache(time, 10, Embedder);
        foreach (var loaded in await new SqliteCacheStore(new SqliteDatabase(path)).LoadAsync(time.GetUtcNow(), Ct))
        {
            after.Load(loaded);
        }

        Assert.Equal((2, 1), (after.Count, after.SemanticCount)); // another embedder's vectors are not comparable: exact only
        Assert.True(Find(after, s_query, out var restored));
        Assert.Equal("kept", restored.Key);
        Assert.Equal(entry.Semantic!.Vector, restored.Semantic!.Vector);
        Assert.Equal(entry.Semantic.Question, restored.Semantic.Question);
        File.Delete(path);
    }

    private static bool Find(ResponseCache cache, SemanticQuery query, out CacheEntry entry) =>
        cache.FindSimilar(query, s_embedder.Embed(query.Question), SemanticMatcher.Default, 0.8, out entry, out _);

    private static CacheEntry Entry(string key, string scope, string question, DateTimeOffset now, TimeSpan ttl) => new()
    {
        Key = key,
        Namespace = "key:k1",
        Model = "gpt-4o-mini",
        CreatedAt = now,
        ExpiresAt = now + ttl,
        Stream = false,
        ContentType = "application/json",
        Body = Encoding.UTF8.GetBytes("""{"id":"x"}"""),
        Usage = new TokenUsage(10, 0, 0, 5, 0),
        Semantic = new SemanticKey(scope, question, s_embedder.Embed(question), Embedder),
    };
}
