using System.IO.Pipelines;
using System.Text;
using Tokenwise.Providers.Translation;
using Tokenwise.Providers.Translation.AnthropicToOpenAI;
using Tokenwise.Streams;

namespace Tokenwise.Tests.Translation;

/// <summary>
/// A translated stream gives the client something for every upstream event that shows the upstream is
/// alive, even one with nothing to translate, so the gateway's idle timeout ends only streams whose
/// upstream went quiet.
/// </summary>
public sealed class TranslatingSseStreamTests
{
    [Theory]
    [InlineData(": OPENROUTER PROCESSING\n\n")]
    [InlineData("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":null,\"reasoning_content\":\"Let me think\"}}]}\n\n")]
    public async Task AnUpstreamEventWithNothingToTranslateStillReachesTheClientAsAKeepAlive(string upstreamEvent)
    {
        var upstream = new Pipe();
        using var translated = new TranslatingSseStream(upstream.Reader.AsStream(), new EventsFromOpenAIStream("model"));
        var buffer = new byte[4096];
        await upstream.Writer.WriteAsync(Encoding.UTF8.GetBytes("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n"), TestContext.Current.CancellationToken);
        Assert.StartsWith("event: message_start\n", Encoding.UTF8.GetString(buffer, 0, await translated.ReadAsync(buffer, TestContext.Current.CancellationToken)), StringComparison.Ordinal);

        // The upstream is busy (thinking) and sends no more for now: the read must not wait for its next event.
        await upstream.Writer.WriteAsync(Encoding.UTF8.GetBytes(upstreamEvent), TestContext.Current.CancellationToken);
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(30)); // bounds a read that would otherwise wait forever; measures nothing
        var read = await translated.ReadAsync(buffer, guard.Token);

        Assert.Equal(": keep-alive\n\n", Encoding.UTF8.GetString(buffer, 0, read));
        await upstream.Writer.CompleteAsync();
    }
}
