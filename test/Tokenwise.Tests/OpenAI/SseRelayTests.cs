using System.IO.Pipelines;
using System.Text;
using Tokenwise.OpenAI;

namespace Tokenwise.Tests.OpenAI;

public sealed class SseRelayTests
{
    [Theory]
    [InlineData("data: a\n\nrest", 9)]
    [InlineData("data: a\r\n\r\nrest", 11)]
    [InlineData(": comment\ndata: a\n\n", 19)]
    public void FindsTheBlankLineThatEndsAnEvent(string text, int length)
    {
        Assert.True(SseRelay.TryFindEventEnd(Encoding.UTF8.GetBytes(text), out var found));
        Assert.Equal(length, found);
    }

    [Fact]
    public void AnIncompleteEventIsNotAnEvent() => Assert.False(SseRelay.TryFindEventEnd("data: {\"a\":1}\n"u8, out _));

    [Fact]
    public async Task EventsSplitAcrossReadsAreReassembledAndTheUsageChunkIsDropped()
    {
        const string upstream = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\r\n\r\n"
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}\n\n"
            + "data: [DONE]\n\n";
        var client = new Pipe();
        var meter = new OpenAIStreamMeter(clientRequestedUsage: false);
        var firstEvents = 0;

        var outcome = await SseRelay.RelayAsync(new OneByteAtATimeStream(Encoding.UTF8.GetBytes(upstream)), client.Writer, meter,
            TimeSpan.FromSeconds(5), () => firstEvents++, capture: null, TestContext.Current.CancellationToken);
        await client.Writer.CompleteAsync();
        var received = Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray((await client.Reader.ReadAsync(TestContext.Current.CancellationToken)).Buffer));

        Assert.Equal(RelayOutcome.Completed, outcome);
        Assert.Equal(1, firstEvents);
        Assert.Equal("data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\r\n\r\ndata: [DONE]\n\n", received);
        Assert.Equal(3, meter.Usage.InputTokens);
    }

    [Fact]
    public async Task AnUpstreamThatGoesQuietTimesOut()
    {
        var client = new Pipe();
        var outcome = await SseRelay.RelayAsync(new NeverAnsweringStream(), client.Writer, new OpenAIStreamMeter(false),
            TimeSpan.FromMilliseconds(100), () => { }, null, TestContext.Current.CancellationToken);
        Assert.Equal(RelayOutcome.IdleTimeout, outcome);
    }

    [Fact]
    public async Task AnEventThatNeverEndsIsABrokenStreamNotAnEverGrowingBuffer()
    {
        // 200 KB of one event without its blank line, against a limit of 64 KB (256 MiB in the gateway, as for a whole answer).
        var endless = Encoding.UTF8.GetBytes("data: " + new string('x', 200_000));
        var client = new Pipe();
        var outcome = await SseRelay.RelayAsync(new MemoryStream(endless), client.Writer, new OpenAIStreamMeter(false),
            TimeSpan.FromSeconds(5), () => { }, null, TestContext.Current.CancellationToken, maxEventBytes: 64 * 1024);
        Assert.Equal(RelayOutcome.UpstreamBroken, outcome);

        // Translated, the stream's read fails as a broken connection's does, which the relay takes the same way.
        using var translated = new Tokenwise.Streams.TranslatingSseStream(new MemoryStream(endless),
            new Tokenwise.Providers.Translation.AnthropicToOpenAI.EventsFromOpenAIStream("m"), maxEventBytes: 64 * 1024);
        await Assert.ThrowsAsync<IOException>(async () => await translated.CopyToAsync(Stream.Null, TestContext.Current.CancellationToken));
    }

    /// <summary>Delivers its bytes one read at a time, the worst fragmentation a network can produce.</summary>
    private sealed class OneByteAtATimeStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }

    private sealed class NeverAnsweringStream : MemoryStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }
}
