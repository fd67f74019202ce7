using System.Buffers;
using Tokenwise.Endpoints;

namespace Tokenwise.Tests.Endpoints;

public sealed class StreamCaptureTests
{
    private static readonly byte[] s_event = "data: {\"choices\":[{\"delta\":{\"content\":\"word\"}}]}\n\n"u8.ToArray();

    [Fact]
    public void AStreamWithinTheLimitIsCopiedWhole()
    {
        using var capture = new StreamCapture(limit: s_event.Length * 3);
        for (var i = 0; i < 3; i++)
        {
            capture.Write(s_event);
        }

        Assert.False(capture.Overflowed);
        Assert.Equal(s_event.Length * 3, capture.WrittenSpan.Length);
        Assert.True(capture.WrittenSpan[..s_event.Length].SequenceEqual(s_event));
    }

    [Fact]
    public void AStreamPastTheLimitStopsBeingCopiedAndSaysSo()
    {
        using var capture = new StreamCapture(limit: s_event.Length * 3);
        for (var i = 0; i < 100; i++)
        {
            capture.Write(s_event);
        }

        Assert.True(capture.Overflowed);
        Assert.True(capture.WrittenSpan.Length <= s_event.Length * 3);
    }

    [Fact]
    public void WithoutALimitEverythingIsCopied()
    {
        using var capture = new StreamCapture(limit: null);
        for (var i = 0; i < 1000; i++)
        {
            capture.Write(s_event);
        }

        Assert.False(capture.Overflowed);
        Assert.Equal(s_event.Length * 1000, capture.WrittenSpan.Length);
    }
}
