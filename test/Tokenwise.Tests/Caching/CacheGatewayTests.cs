using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tokenwise.Caching;
using Tokenwise.Hosting;
using Tokenwise.Testing;

namespace Tokenwise.Tests.Caching;

/// <summary>The exact cache through the real gateway: tenant isolation, replay, what is never cached, metering.</summary>
public sealed class CacheGatewayTests : IAsyncLifetime
{
    private const string MasterKey = "tw-master-cache-test";
    private FakeUpstream _upstream = null!;
    private FakeAnthropicUpstream _anthropic = null!;
    private TestGateway _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _anthropic = await FakeAnthropicUpstream.StartAsync();
        _gateway = await TestGateway.StartAsync(_upstream, _anthropic, new Dictionary<string, string?> { ["master_key"] = MasterKey });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
        await _anthropic.DisposeAsync();
    }

    [Fact]
    public async Task OneTenantNeverReceivesAnothersEntryEvenForAnIdenticalPrompt()
    {
        var support = await KeyAsync("support");
        var billing = await KeyAsync("billing");
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is our refund policy?"}]}""";

        var (first, _) = await ChatAsync(support, body);
        var (other, _) = await ChatAsync(billing, body);
        var (again, answer) = await ChatAsync(support, body);

        Assert.Equal("miss", first);
        Assert.Equal("miss", other); // same prompt, another tenant: its own upstream call
        Assert.Equal("hit-exact", again);
        Assert.Equal(2, UpstreamCalls("refund policy"));
        Assert.Contains("choices", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DifferentModelsParametersOrSystemPromptsNeverShareEntries()
    {
        var key = await KeyAsync("search");
        string[] variants =
        [
            """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"variants"}]}""",
            """{"model":"gpt-4o","messages":[{"role":"user","content":"variants"}]}""",
            """{"model":"gpt-4o-mini","temperature":0.2,"messages":[{"role":"user","content":"variants"}]}""",
            """{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"variants"}]}""",
            """{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Answer in French."},{"role":"user","content":"variants"}]}""",
            """{"model":"gpt-4o-mini","tools":[{"type":"function","function":{"name":"f","parameters":{}}}],"messages":[{"role":"user","content":"variants"}]}""",
        ];
        foreach (var body in variants)
        {
            Assert.Equal("miss", (await ChatAsync(key, body)).Status);
        }

        // Field order and whitespace are not part of the request's meaning: same entry.
        Assert.Equal("hit-exact", (await ChatAsync(key, """{ "messages":[{"content":"variants","role":"user"}], "model":"gpt-4o-mini" }""")).Status);
        Assert.Equal(variants.Length, UpstreamCalls("variants"));
    }

    [Fact]
    public async Task AStreamedAnswerIsCachedOnceCompleteAndReplaysTheSameStream()
    {
        var key = await KeyAsync("stream");
        const string body = """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"stream me a poem"}]}""";

        var (first, sent) = await ChatAsync(key, body);
        var (second, replayed) = await ChatAsync(key, body);

        Assert.Equal(("miss", "hit-exact"), (first, second));
        Assert.Equal(sent, replayed); // byte for byte what the first client received
        Assert.EndsWith("data: [DONE]\n\n", replayed, StringComparison.Ordinal);
        Assert.Equal(1, UpstreamCalls("stream me a poem"));
    }

    [Fact]
    public async Task AnAnthropicAnswerIsCachedAndReplayedInItsOwnDialect()
    {
        var key = await KeyAsync("claude");
        foreach (var stream in new[] { false, true })
        {
            var body = $$"""{"model":"claude-sonnet-4-5","max_tokens":64,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"anthropic cached {{stream}}"}]}""";
            var (first, sent) = await MessagesAsync(key, body);
            var (second, replayed) = await MessagesAsync(key, body);
            Assert.Equal(("miss", "hit-exact"), (first, second));
            Assert.Equal(sent, replayed);
        }

        Assert.Equal(2, _anthropic.Received.Count(r => r.Body.Contains("anthropic cached", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ErrorsAndTruncatedStreamsAreNeverCached()
    {
        var key = await KeyAsync("errors");
        string[] failing =
        [
            """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"fail #fake:err-500"}]}""",
            """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"refuse #fake:err-400"}]}""",
            """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"cut #fake:broken"}]}""",
        ];
        foreach (var body in failing)
        {
            Assert.Equal("miss", (await ChatAsync(key, body)).Status);
            Assert.Equal("miss", (await ChatAsync(key, body)).Status);
        }

        Assert.Equal(6, UpstreamCalls("#fake:"));
    }

    [Fact]
    public async Task AHitCostsNothingAndRecordsTheCostItAvoided()
    {
        var key = await KeyAsync("ledger");
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"price my hit"}]}""";
        await ChatAsync(key, body);
        using var http = Client(key);
        using var response = await http.PostAsync("v1/chat/completions", Json(body), Ct);
        var requestId = response.Headers.GetValues("x-tokenwise-request-id").Single();

        var hit = await _gateway.RecordAsync(requestId);
        var miss = (await _gateway.RecordsAsync(r => r.Cache == "miss" && r.KeyId is not null && r.Id != requestId && r.Team == "ledger")).Single();
        Assert.Equal("hit-exact", hit.Cache);
        Assert.Equal(0m, hit.CostUsd);
        Assert.True(miss.CostUsd > 0m);
        Assert.Equal(miss.CostUsd, hit.SavedUsd);
        Assert.Equal(miss.Usage, hit.Usage);
    }

    [Fact]
    public async Task RequestControlsSkipTheCache()
    {
        var key = await KeyAsync("controls");
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"controlled"}]}""";
        Assert.Null((await ChatAsync(key, body, ("Cache-Control", "no-store"))).Status); // neither read nor written, as off
        Assert.Null((await ChatAsync(key, body, ("Cache-Control", "private, no-store"))).Status);
        Assert.Equal("miss", (await ChatAsync(key, body)).Status); // no-store kept nothing
        Assert.Equal("miss", (await ChatAsync(key, body, ("Cache-Control", "no-cache"))).Status); // fresh, though an entry exists
        Assert.Null((await ChatAsync(key, body, ("x-tokenwise-cache", "off"))).Status);
        Assert.Equal("hit-exact", (await ChatAsync(key, body)).Status);
        Assert.Equal(5, UpstreamCalls("controlled"));

        using var http = Client(key);
        using var bad = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = Json(body) };
        bad.Headers.Add("x-tokenwise-cache-ttl", "soon");
        using var rejected = await http.SendAsync(bad, Ct);
        Assert.Equal(400, (int)rejected.StatusCode);
    }

    [Fact]
    public async Task StatsCountAMissThenAHitAndTheCostTheHitAvoided()
    {
        var key = await KeyAsync("stats");
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"count me"}]}""";
        Assert.Equal("miss", (await ChatAsync(key, body)).Status);
        Assert.Equal("hit-exact", (await ChatAsync(key, body)).Status);

        using var stats = await AdminAsync(HttpMethod.Get, "admin/cache?since=1h", 200);
        var root = stats.RootElement;
        var cost = (await _gateway.RecordsAsync(r => r.Cache == "miss")).Single().CostUsd;
        Assert.True(cost > 0m);
        Assert.Equal(("exact", 1, 1L, 1L, 0.5), (root.GetProperty("mode").GetString(), root.GetProperty("entries").GetInt32(),
            root.GetProperty("hits").GetInt64(), root.GetProperty("misses").GetInt64(), root.GetProperty("hit_rate").GetDouble()));
        Assert.Equal(cost, root.GetProperty("saved_usd").GetDecimal());
        Assert.Equal(cost, root.GetProperty("logged_saved_usd").GetDecimal()); // the usage log's saved column agrees
        Assert.Equal("1h", root.GetProperty("since").GetString());
    }

    [Fact]
    public async Task InvalidatingATeamRemovesOnlyItsEntriesFromMemoryAndTheStore()
    {
        var support = await KeyAsync("support");
        var billing = await KeyAsync("billing");
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"invalidate me"}]}""";
        await ChatAsync(support, body);
        await ChatAsync(billing, body);
        await _gateway.Services.GetRequiredService<CacheWriter>().DrainAsync(Ct); // both entries are in the store

        using var removed = await AdminAsync(HttpMethod.Delete, "admin/cache?team=support", 200);
        Assert.Equal(1, removed.RootElement.GetProperty("removed").GetInt32());
        var stored = await _gateway.Services.GetRequiredService<ICacheStore>().LoadAsync(DateTimeOffset.UtcNow, Ct);
        Assert.Equal(["billing"], stored.Select(e => e.Team));

        Assert.Equal("miss", (await ChatAsync(support, body)).Status);
        Assert.Equal("hit-exact", (await ChatAsync(billing, body)).Status);
    }

    [Fact]
    public async Task InvalidatingByModelOrTagLeavesTheOthers()
    {
        var key = await KeyAsync("models");
        const string mini = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"by model"}]}""";
        const string large = """{"model":"gpt-4o","messages":[{"role":"user","content":"by model"}]}""";
        const string tagged = """{"model":"gpt-4o","messages":[{"role":"user","content":"by tag"}]}""";
        await ChatAsync(key, mini);
        await ChatAsync(key, large);
        await ChatAsync(key, tagged, ("x-tokenwise-tags", "feature=triage"));

        using (var byTag = await AdminAsync(HttpMethod.Delete, "admin/cache?tag=feature%3Dtriage", 200))
        {
            Assert.Equal(1, byTag.RootElement.GetProperty("removed").GetInt32());
        }

        using (var byModel = await AdminAsync(HttpMethod.Delete, "admin/cache?model=gpt-4o-mini", 200))
        {
            Assert.Equal(1, byModel.RootElement.GetProperty("removed").GetInt32());
        }

        Assert.Equal("miss", (await ChatAsync(key, tagged, ("x-tokenwise-tags", "feature=triage"))).Status);
        Assert.Equal("miss", (await ChatAsync(key, mini)).Status);
        Assert.Equal("hit-exact", (await ChatAsync(key, large)).Status);
    }

    [Fact]
    public async Task ABadInvalidationFilterIsA400NamingIt()
    {
        using var unknown = await AdminAsync(HttpMethod.Delete, "admin/cache?tenant=support", 400);
        Assert.Contains("'tenant'", unknown.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        using var age = await AdminAsync(HttpMethod.Delete, "admin/cache?older_than=soon", 400);
        Assert.Contains("older_than", age.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        using var none = await AdminAsync(HttpMethod.Delete, "admin/cache", 400);
        Assert.Contains("all=true", none.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        using var everything = await AdminAsync(HttpMethod.Delete, "admin/cache?all=true", 200);
        Assert.Equal(0, everything.RootElement.GetProperty("removed").GetInt32());
    }

    private async Task<JsonDocument> AdminAsync(HttpMethod method, string path, int status)
    {
        using var admin = new HttpClient { BaseAddress = _gateway.BaseUrl };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", MasterKey);
        using var response = await admin.SendAsync(new HttpRequestMessage(method, path), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(status == (int)response.StatusCode, text);
        return JsonDocument.Parse(text);
    }

    private int UpstreamCalls(string marker) => _upstream.Received.Count(r => r.Body.Contains(marker, StringComparison.Ordinal));

    private async Task<(string? Status, string Body)> ChatAsync(string key, string body, params (string Name, string Value)[] headers) =>
        await SendAsync(key, "v1/chat/completions", body, headers);

    private async Task<(string? Status, string Body)> MessagesAsync(string key, string body) =>
        await SendAsync(key, "v1/messages", body, []);

    private async Task<(string? Status, string Body)> SendAsync(string key, string path, string body, (string Name, string Value)[] headers)
    {
        using var http = Client(key);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.Headers.TryGetValues("x-tokenwise-cache", out var values) ? values.Single() : null, text);
    }

    private HttpClient Client(string key)
    {
        var http = new HttpClient { BaseAddress = _gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return http;
    }

    private async Task<string> KeyAsync(string team)
    {
        using var admin = new HttpClient { BaseAddress = _gateway.BaseUrl };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", MasterKey);
        using var created = await admin.PostAsJsonAsync("admin/keys", new { team }, Ct);
        created.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct));
        return json.RootElement.GetProperty("key").GetString()!;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
