using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>The official OpenAI .NET SDK, unchanged but for its base URL, through the gateway to a fake upstream.</summary>
public sealed class OpenAISdkTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;
    private TestGateway _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _gateway = await TestGateway.StartAsync(_upstream);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private ChatClient Chat(string model) =>
        new(model, new ApiKeyCredential("sk-client-key"), new OpenAIClientOptions { Endpoint = _gateway.OpenAIBaseUrl });

    [Fact]
    public async Task NonStreamingCompletionIsAnsweredAndMetered()
    {
        var result = await Chat("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("Say hello")], cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(string.IsNullOrEmpty(result.Value.Content[0].Text));
        var requestId = result.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var id) ? id! : throw new Xunit.Sdk.XunitException("no request id");
        var record = await _gateway.RecordAsync(requestId);
        Assert.Equal(result.Value.Usage.InputTokenCount, record.Usage.InputTokens);
        Assert.Equal(result.Value.Usage.OutputTokenCount, record.Usage.OutputTokens);
        Assert.False(record.Estimated);
    }
}
