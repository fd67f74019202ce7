using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>The official OpenAI .NET SDK and Microsoft.Extensions.AI, unchanged but for the base URL.</summary>
public sealed class OpenAISdkTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NonStreamingCompletionIsAnsweredAndMeteredExactly()
    {
        var result = await fixture.Chat("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("Say hello")], cancellationToken: Ct);

        Assert.False(string.IsNullOrEmpty(result.Value.Content[0].Text));
        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("x-tokenwise-request-id", out var requestId));
        Assert.True(headers.TryGetValue("x-tokenwise-cost-usd", out var costHeader));
        var record = await fixture.Gateway.RecordAsync(requestId!);
        Assert.Equal(result.Value.Usage.InputTokenCount, record.Usage.InputTokens);
        Assert.Equal(result.Value.Usage.OutputTokenCount, record.Usage.OutputTokens);
        Assert.Equal(decimal.Parse(costHeader!, System.Globalization.CultureInfo.InvariantCulture), record.CostUsd);
        Assert.False(record.Estimated);
        Assert.Equal(("openai", "gpt-4o-mini", 200), (record.Provider, record.UpstreamModel, record.Status));
    }

    [Fact]
    public async Task StreamingCompletionArrivesInPiecesAndIsMetered()
    {
        // This class's only request for this model, so its record is found by model.
        const string model = "gpt-4.1-mini";
        var text = new System.Text.StringBuilder();
        var updates = 0;
        ChatTokenUsage? usage = null;
        await foreach (var update in fixture.Chat(model).CompleteChatStreamingAsync([new UserChatMessage("Tell me something")], cancellationToken: Ct))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
        }

        Assert.True(updates > 3);
        Assert.NotEmpty(text.ToString());
        Assert.NotNull(usage); // the SDK asks for stream usage itself, so it receives the usage chunk
        var record = Assert.Single(await fixture.Gateway.RecordsAsync(r => r.Model == model));
        Assert.True(record.Stream);
        Assert.False(record.Estimated);
        Assert.NotNull(record.TtftMs);
        Assert.Equal((usage.InputTokenCount, usage.OutputTokenCount), (record.Usage.InputTokens, record.Usage.OutputTokens));
    }

    [Fact]
    public async Task MicrosoftExtensionsAIWorksStreamingAndNot()
    {
        IChatClient client = fixture.Chat("gpt-4o-mini").AsIChatClient();

        var response = await client.GetResponseAsync("What does a gateway do?", cancellationToken: Ct);
        Assert.False(string.IsNullOrEmpty(response.Text));
        Assert.NotNull(response.Usage?.InputTokenCount);

        var streamed = new System.Text.StringBuilder();
        await foreach (var update in client.GetStreamingResponseAsync("And a streamed answer?", cancellationToken: Ct))
        {
            streamed.Append(update.Text);
        }

        Assert.NotEmpty(streamed.ToString());
    }

    [Fact]
    public async Task TheSdkListsAndRetrievesTheModelsServed()
    {
        var models = new global::OpenAI.Models.OpenAIModelClient(new ApiKeyCredential("sk-client"), new global::OpenAI.OpenAIClientOptions { Endpoint = fixture.Gateway.OpenAIBaseUrl });

        var listed = (await models.GetModelsAsync(Ct)).Value;
        var model = (await models.GetModelAsync("gpt-4o-mini", Ct)).Value;
        var addressed = (await models.GetModelAsync("openai/gpt-5-not-in-the-catalog", Ct)).Value; // served as a request would be

        Assert.Contains(listed, m => m.Id == "gpt-4o-mini");
        Assert.Equal(("gpt-4o-mini", "openai"), (model.Id, model.OwnedBy));
        Assert.Equal(("openai/gpt-5-not-in-the-catalog", "openai"), (addressed.Id, addressed.OwnedBy));
        var e = await Assert.ThrowsAsync<ClientResultException>(() => models.GetModelAsync("no-such-model", Ct));
        Assert.Equal(404, e.Status);
        Assert.Contains("model_not_found", e.GetRawResponse()!.Content.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownModelIsATyped404WithModelNotFound()
    {
        var e = await Assert.ThrowsAsync<ClientResultException>(() => fixture.Chat("no-such-model").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct));
        Assert.Equal(404, e.Status);
        Assert.Contains("model_not_found", e.GetRawResponse()!.Content.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("err-400", 400)]
    [InlineData("err-401", 401)]
    [InlineData("err-404", 404)]
    [InlineData("err-429", 429)]
    [InlineData("err-500", 500)]
    public async Task UpstreamErrorsReachTheSdkAsTypedErrorsAndAreLogged(string cue, int status)
    {
        var e = await Assert.ThrowsAsync<ClientResultException>(() =>
            fixture.Chat("gpt-4o-mini").CompleteChatAsync([new UserChatMessage($"#fake:{cue}")], cancellationToken: Ct));

        Assert.Equal(status, e.Status);
        var raw = e.GetRawResponse()!;
        if (status == 429)
        {
            Assert.True(raw.Headers.TryGetValue("Retry-After", out var retryAfter));
            Assert.Equal("7", retryAfter);
        }

        Assert.True(raw.Headers.TryGetValue("x-tokenwise-request-id", out var requestId));
        var record = await fixture.Gateway.RecordAsync(requestId!);
        Assert.Equal(status, record.Status);
        Assert.NotNull(record.ErrorCode);
        Assert.True(raw.Headers.TryGetValue("x-request-id", out var providerRequestId)); // the provider's name for the failed call
        Assert.Equal(providerRequestId, record.UpstreamRequestId);
    }

    [Fact]
    public async Task TheProvidersRequestIdReachesTheSdkAndTheLogStreamedOrNot()
    {
        var result = await fixture.Chat("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("whose id, not streamed")], cancellationToken: Ct);
        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("x-request-id", out var providerRequestId));
        Assert.StartsWith("req_fake_", providerRequestId, StringComparison.Ordinal);
        headers.TryGetValue("x-tokenwise-request-id", out var requestId);
        Assert.Equal(providerRequestId, (await fixture.Gateway.RecordAsync(requestId!)).UpstreamRequestId);

        using var http = fixture.Http();
        using var streamed = await http.PostAsync("v1/chat/completions", new StringContent(
            """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"whose id, streamed"}]}""", System.Text.Encoding.UTF8, "application/json"), Ct);
        await streamed.Content.ReadAsStringAsync(Ct);
        var streamedId = Assert.Single(streamed.Headers.GetValues("x-request-id"));
        Assert.NotEqual(providerRequestId, streamedId);
        var record = await fixture.Gateway.RecordAsync(Assert.Single(streamed.Headers.GetValues("x-tokenwise-request-id")));
        Assert.Equal((true, streamedId), (record.Stream, record.UpstreamRequestId));

        using var admin = await http.GetAsync("admin/requests?limit=50", Ct);
        using var log = System.Text.Json.JsonDocument.Parse(await admin.Content.ReadAsStringAsync(Ct));
        Assert.Contains(log.RootElement.EnumerateArray(), r => r.GetProperty("upstream_request_id").GetString() == streamedId);
    }

    [Fact]
    public async Task AProviderRequestIdNoClientShouldGetIsDropped()
    {
        var result = await fixture.Chat("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("#fake:oversized-request-id")], cancellationToken: Ct);
        var headers = result.GetRawResponse().Headers;

        Assert.False(headers.TryGetValue("x-request-id", out _));
        headers.TryGetValue("x-tokenwise-request-id", out var requestId);
        Assert.Null((await fixture.Gateway.RecordAsync(requestId!)).UpstreamRequestId);
    }

    [Fact]
    public async Task StreamingErrorsBeforeTheFirstByteKeepTheirStatus()
    {
        var e = await Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            await foreach (var _ in fixture.Chat("gpt-4o-mini").CompleteChatStreamingAsync([new UserChatMessage("#fake:err-429")], cancellationToken: Ct))
            {
            }
        });
        Assert.Equal(429, e.Status);
    }

    [Fact]
    public async Task EmbeddingsAreForwardedAndMetered()
    {
        var client = new global::OpenAI.Embeddings.EmbeddingClient("text-embedding-3-small", new ApiKeyCredential("sk-client"),
            new global::OpenAI.OpenAIClientOptions { Endpoint = fixture.Gateway.OpenAIBaseUrl });
        var result = await client.GenerateEmbeddingAsync("the cheapest token is the one never sent", cancellationToken: Ct);

        Assert.Equal(256, result.Value.ToFloats().Length);
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var requestId));
        var record = await fixture.Gateway.RecordAsync(requestId!);
        Assert.Equal("embeddings", record.Endpoint);
        Assert.True(record.Usage.InputTokens > 0);
        // text-embedding-3-small: $0.02 per million tokens.
        Assert.Equal(record.Usage.InputTokens * 0.00000002m, record.CostUsd);
    }
}
