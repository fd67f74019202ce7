using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tokenwise.Caching;
using Tokenwise.Embeddings;
using Tokenwise.Hosting;
using Tokenwise.Testing;

namespace Tokenwise.Tests.Caching;

/// <summary>
/// The semantic cache through the real gateway, with the word-hashing stand-in embedder (texts that share
/// most words are similar: the paraphrase below shares 6 of 7 words, cosine 6/7 ≈ 0.857, over the 0.8 threshold).
/// </summary>
public sealed class SemanticCacheGatewayTests : IAsyncLifetime
{
    private const string MasterKey = "tw-master-semantic-test";
    private const string Question = "How do I reset my account password";
    private const string Paraphrase = "How can I reset my account password";
    private FakeUpstream _upstream = null!;
    private FakeAnthropicUpstream _anthropic = null!;
    private TestGateway _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _anthropic = await FakeAnthropicUpstream.StartAsync();
        _gateway = await StartAsync(new() { ["cache:mode"] = "semantic" });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
        await _anthropic.DisposeAsync();
    }

    [Fact]
    public async Task AParaphraseIsServedHitSemanticWithItsSimilarityAndCostsNothing()
    {
        var key = await KeyAsync(_gateway, "paraphrase");
        var first = await ChatAsync(_gateway, key, Chat(Question));
        var second = await ChatAsync(_gateway, key, Chat(Paraphrase));

        Assert.Equal("miss", first.Status);
        Assert.Equal("hit-semantic", second.Status);
        Assert.Equal("0.857", second.Similarity);
        Assert.Equal(first.Body, second.Body); // the answer as the first client received it
        Assert.Equal(1, UpstreamCalls("reset my account password"));

        var miss = await _gateway.RecordAsync(first.RequestId!);
        var hit = await _gateway.RecordAsync(second.RequestId!);
        Assert.Equal(("hit-semantic", 0m), (hit.Cache, hit.CostUsd));
        Assert.True(miss.CostUsd > 0m);
        Assert.Equal(miss.CostUsd, hit.SavedUsd);
    }

    [Fact]
    public async Task OneTenantNeverReceivesAnothersSemanticEntryEvenForAnIdenticalPrompt()
    {
        var support = await KeyAsync(_gateway, "support");
        var billing = await KeyAsync(_gateway, "billing");
        var body = Chat("Which plan includes priority support for teams");

        Assert.Equal("miss", (await ChatAsync(_gateway, support, body)).Status);
        Assert.Equal("miss", (await ChatAsync(_gateway, billing, body)).Status);
        Assert.Equal("hit-semantic", (await ChatAsync(_gateway, billing, Chat("Which plan has priority support for teams"))).Status); // its own entry
        Assert.Equal(2, UpstreamCalls("priority support for teams"));
    }

    [Fact]
    public async Task DifferentModelsParametersOrSystemPromptsNeverShareEntries()
    {
        var key = await KeyAsync(_gateway, "variants");
        await ChatAsync(_gateway, key, Chat(Question));
        string[] paraphrases =
        [
            Chat(Paraphrase, model: "gpt-4o"),
            Chat(Paraphrase, extra: "\"temperature\":0.2,"),
            Chat(Paraphrase, extra: "\"max_tokens\":5,"),
            Chat(Paraphrase, extra: "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}],"),
            Chat(Paraphrase, extra: "\"stream\":true,"),
            Chat(Paraphrase, system: "Answer in French."),
        ];
        foreach (var body in paraphrases)
        {
            Assert.Equal("miss", (await ChatAsync(_gateway, key, body)).Status);
        }

        Assert.Equal("hit-semantic", (await ChatAsync(_gateway, key, Chat(Paraphrase))).Status);
    }

    [Fact]
    public async Task AFollowUpIsServedOnlyWithinItsOwnConversation()
    {
        var key = await KeyAsync(_gateway, "follow-up");
        static string Conversation(string topic, string followUp) =>
            $$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Tell me about {{topic}}"},{"role":"assistant","content":"{{topic}} is a language."},{"role":"user","content":"{{followUp}}"}]}""";

        Assert.Equal("miss", (await ChatAsync(_gateway, key, Conversation("Python", "What are its main uses in finance"))).Status);
        Assert.Equal("miss", (await ChatAsync(_gateway, key, Conversation("Rust", "What are its main uses in finance"))).Status);
        Assert.Equal("hit-semantic", (await ChatAsync(_gateway, key, Conversation("Python", "What are its main uses in finance today"))).Status);
    }

    [Fact]
    public async Task AStreamedSemanticHitReplaysAsAStreamInTheClientsDialect()
    {
        var key = await KeyAsync(_gateway, "streams");
        var sent = await ChatAsync(_gateway, key, Chat(Question, extra: "\"stream\":true,"));
        var replayed = await ChatAsync(_gateway, key, Chat(Paraphrase, extra: "\"stream\":true,"));
        Assert.Equal(("miss", "hit-semantic"), (sent.Status, replayed.Status));
        Assert.Equal("text/event-stream", replayed.ContentType);
        Assert.Equal(sent.Body, replayed.Body);
        Assert.StartsWith("data: {", replayed.Body, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", replayed.Body, StringComparison.Ordinal);

        static string Messages(string question) =>
            $$"""{"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":[{"type":"text","text":"{{question}}"}]}]}""";
        var anthropicSent = await SendAsync(_gateway, key, "v1/messages", Messages(Question));
        var anthropicReplayed = await SendAsync(_gateway, key, "v1/messages", Messages(Paraphrase));
        Assert.Equal(("miss", "hit-semantic"), (anthropicSent.Status, anthropicReplayed.Status));
        Assert.Equal(anthropicSent.Body, anthropicReplayed.Body);
        Assert.StartsWith("event: message_start", anthropicReplayed.Body, StringComparison.Ordinal);
        Assert.Contains("event: message_stop", anthropicReplayed.Body, StringComparison.Ordinal);
        Assert.Equal(1, _anthropic.Received.Count(r => r.Body.Contains("reset my account password", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ErrorsAndTruncatedStreamsAreNeverCached()
    {
        var key = await KeyAsync(_gateway, "errors");
        (string First, string Second)[] failing =
        [
            (Chat("Please fail the nightly export #fake:err-500"), Chat("Please fail our nightly export #fake:err-500")),
            (Chat("Please cut the nightly export #fake:broken", extra: "\"stream\":true,"), Chat("Please cut our nightly export #fake:broken", extra: "\"stream\":true,")),
        ];
        foreach (var (first, second) in failing)
        {
            Assert.Equal("miss", (await ChatAsync(_gateway, key, first)).Status);
            Assert.Equal("miss", (await ChatAsync(_gateway, key, second)).Status);
        }

        Assert.Equal(4, UpstreamCalls("nightly export"));
    }

    [Fact]
    public async Task InvalidationRemovesSemanticEntriesFromTheIndex()
    {
        var key = await KeyAsync(_gateway, "invalidated");
        await ChatAsync(_gateway, key, Chat("How do I rotate our signing keys safely"));
        using (var stats = await AdminAsync(_gateway, HttpMethod.Get, "admin/cache"))
        {
            Assert.True(stats.RootElement.GetProperty("semantic_entries").GetInt32() >= 1);
        }

        using (var removed = await AdminAsync(_gateway, HttpMethod.Delete, "admin/cache?team=invalidated"))
        {
            Assert.Equal(1, removed.RootElement.GetProperty("removed").GetInt32());
        }

        Assert.Equal("miss", (await ChatAsync(_gateway, key, Chat("How can I rotate our signing keys safely"))).Status);
    }

    [Fact]
    public async Task ARequestHeaderNarrowsTheModeButNeverWidensIt()
    {
        var key = await KeyAsync(_gateway, "narrow");
        await ChatAsync(_gateway, key, Chat("Where can I download last month's invoice"));
        var exactOnly = await ChatAsync(_gateway, key, Chat("Where do I download last month's invoice"), ("x-tokenwise-cache", "exact"));
        Assert.Equal("miss", exactOnly.Status);

        await using var exactGateway = await StartAsync(new() { ["cache:mode"] = "exact" });
        var other = await KeyAsync(exactGateway, "widen");
        await ChatAsync(exactGateway, other, Chat(Question), ("x-tokenwise-cache", "semantic"));
        Assert.Equal("miss", (await ChatAsync(exactGateway, other, Chat(Paraphrase), ("x-tokenwise-cache", "semantic"))).Status);
    }

    [Fact]
    public async Task ModeAndThresholdCanBeSetPerClientFacingModel()
    {
        await using var gateway = await StartAsync(new()
        {
            ["cache:mode"] = "exact",
            ["cache:models:gpt-4o-mini:mode"] = "semantic",
            ["cache:models:gpt-4o:mode"] = "semantic",
            ["cache:models:gpt-4o:threshold"] = "0.95",
        });
        var key = await KeyAsync(gateway, "routes");
        foreach (var model in new[] { "gpt-4o-mini", "gpt-4o", "gpt-4.1" })
        {
            await ChatAsync(gateway, key, Chat(Question, model: model));
        }

        Assert.Equal("hit-semantic", (await ChatAsync(gateway, key, Chat(Paraphrase, model: "gpt-4o-mini"))).Status);
        Assert.Equal("miss", (await ChatAsync(gateway, key, Chat(Paraphrase, model: "gpt-4o"))).Status); // 0.857 < 0.95
        Assert.Equal("miss", (await ChatAsync(gateway, key, Chat(Paraphrase, model: "gpt-4.1"))).Status); // exact only
    }

    [Fact]
    public async Task AFailingEmbedderMakesALookupAMissAndTheRequestProceeds()
    {
        var embedder = new FailingEmbedder();
        await using var gateway = await StartAsync(new() { ["cache:mode"] = "semantic" }, embedder);
        var key = await KeyAsync(gateway, "failing");
        var first = await ChatAsync(gateway, key, Chat(Question));
        var second = await ChatAsync(gateway, key, Chat(Question));
        Assert.Equal(1, embedder.Calls); // the miss did try to embed; the exact hit never needs to
        Assert.Equal(("miss", "hit-exact"), (first.Status, second.Status)); // the exact cache still serves
        Assert.Contains("choices", first.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARestartKeepsSemanticEntries()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tokenwise-semantic-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var settings = new Dictionary<string, string?> { ["cache:mode"] = "semantic", ["storage:sqlite_path"] = Path.Combine(directory, "tokenwise.db") };
        await using (var before = await StartAsync(settings))
        {
            Assert.Equal("miss", (await ChatAsync(before, null, Chat(Question))).Status);
            await before.Services.GetRequiredService<CacheWriter>().DrainAsync(Ct);
        }

        await using (var after = await StartAsync(settings))
        {
            var hit = await ChatAsync(after, null, Chat(Paraphrase));
            Assert.Equal(("hit-semantic", "0.857"), (hit.Status, hit.Similarity));
        }

        Directory.Delete(directory, recursive: true);
    }

    private Task<TestGateway> StartAsync(Dictionary<string, string?> settings, ITextEmbedder? embedder = null) =>
        TestGateway.StartAsync(_upstream, _anthropic, new Dictionary<string, string?>(settings) { ["master_key"] = MasterKey, ["cache:threshold"] = "0.8" },
            embedder: embedder ?? new HashingEmbedder());

    private static string Chat(string question, string model = "gpt-4o-mini", string extra = "", string? system = null) =>
        $$"""{"model":"{{model}}",{{extra}}"messages":[{{(system is null ? "" : $$"""{"role":"system","content":"{{system}}"},""")}}{"role":"user","content":"{{question}}"}]}""";

    private int UpstreamCalls(string marker) => _upstream.Received.Count(r => r.Body.Contains(marker, StringComparison.Ordinal));

    private static Task<Answer> ChatAsync(TestGateway gateway, string? key, string body, params (string Name, string Value)[] headers) =>
        SendAsync(gateway, key, "v1/chat/completions", body, headers);

    private static async Task<Answer> SendAsync(TestGateway gateway, string? key, string path, string body, params (string Name, string Value)[] headers)
    {
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key ?? MasterKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct); // errors too: they must never be cached
        return new Answer(Header(response, CacheStage.StatusHeader), Header(response, CacheStage.SimilarityHeader), Header(response, "x-tokenwise-request-id"),
            response.Content.Headers.ContentType?.MediaType, text);
    }

    private static string? Header(HttpResponseMessage response, string name) => response.Headers.TryGetValues(name, out var values) ? values.Single() : null;

    private static async Task<JsonDocument> AdminAsync(TestGateway gateway, HttpMethod method, string path)
    {
        using var admin = new HttpClient { BaseAddress = gateway.BaseUrl };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", MasterKey);
        using var response = await admin.SendAsync(new HttpRequestMessage(method, path), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text);
    }

    private static async Task<string> KeyAsync(TestGateway gateway, string team)
    {
        using var admin = new HttpClient { BaseAddress = gateway.BaseUrl };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", MasterKey);
        using var created = await admin.PostAsJsonAsync("admin/keys", new { team }, Ct);
        created.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct));
        return json.RootElement.GetProperty("key").GetString()!;
    }

    private sealed record Answer(string? Status, string? Similarity, string? RequestId, string? ContentType, string Body);
}
