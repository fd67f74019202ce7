using Microsoft.Extensions.Time.Testing;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests.Golden;

/// <summary>
/// A fake OpenAI upstream on a fixed clock and a fake Anthropic upstream (both answer the same bytes to
/// the same request), and one gateway with a provider for each, the alias <c>haiku</c> for
/// <c>claude-haiku-4-5</c>, and the response cache off, so every case reaches its upstream.
/// </summary>
public sealed class GoldenFixture : IAsyncLifetime
{
    public FakeUpstream OpenAI { get; private set; } = null!;
    public FakeAnthropicUpstream Anthropic { get; private set; } = null!;
    public TestGateway Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        OpenAI = await FakeUpstream.StartAsync(time: new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000)));
        Anthropic = await FakeAnthropicUpstream.StartAsync();
        Gateway = await TestGateway.StartAsync(OpenAI, Anthropic, new Dictionary<string, string?>
        {
            ["cache:mode"] = "off",
        }, configYaml: """
            models:
              - name: haiku
                provider: anthropic
                upstream_model: claude-haiku-4-5
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Anthropic.DisposeAsync();
        await OpenAI.DisposeAsync();
    }
}
