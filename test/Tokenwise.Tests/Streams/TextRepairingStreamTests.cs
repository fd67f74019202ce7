using System.Text;
using Tokenwise.Json;
using Tokenwise.Streams;

namespace Tokenwise.Tests.Streams;

/// <summary>
/// A provider's answer with text that is not Unicode, mended on its way in, however the network splits it: a sequence
/// or escape cut across two reads is judged whole, and valid text passes unchanged.
/// </summary>
public sealed class TextRepairingStreamTests
{
    public static TheoryData<string, string> Bodies => new()
    {
        // Valid text, escapes and multi-byte characters included, passes as it is.
        { """{"a":"plain café 😀 \" \\ \n \u00e9 \ud83d\ude00 \uD83D\uDE00"}""", """{"a":"plain café 😀 \" \\ \n \u00e9 \ud83d\ude00 \uD83D\uDE00"}""" },
        // \\ is an escaped backslash: the "ud83d" after it is text, not an escape.
        { """{"path":"C:\\ud83d\\\\udc00"}""", """{"path":"C:\\ud83d\\\\udc00"}""" },
        // Lone halves of a pair, wherever they are.
        { """{"a":"x\ud83d y","b":"\udE00","c":"\\\ud800","d":"\ud83d\u0041","e":"\ud83d\ud83d\ude00"}""",
          """{"a":"x\ufffd y","b":"\ufffd","c":"\\\ufffd","d":"\ufffd\u0041","e":"\ufffd\ud83d\ude00"}""" },
        // An answer that ends inside an escape or a sequence is left for the client's parser to refuse.
        { """{"a":"x\ud8""", """{"a":"x\ud8""" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void EverySplitOfTheBodyIsMendedAlike(string body, string expected) =>
        AssertMendedAtEverySplit(Encoding.UTF8.GetBytes(body), Encoding.UTF8.GetBytes(expected));

    [Fact]
    public void BytesThatAreNotUtf8BecomeTheReplacementCharacter()
    {
        // Latin-1's é, a lone continuation byte, an overlong encoding, and a 4-byte sequence cut short by the end.
        byte[] body = [.. """{"a":"caf"""u8, 0xE9, .. "\",\"b\":\""u8, 0x80, 0xC0, 0xAF, .. "\",\"c\":\"x"u8, 0xF0, 0x9F, 0x98];
        var mended = Encoding.UTF8.GetString(Read(new MemoryStream(body), 4096));

        Assert.Equal("{\"a\":\"caf\uFFFD\",\"b\":\"\uFFFD\uFFFD\uFFFD\",\"c\":\"x\uFFFD", mended);
        AssertMendedAtEverySplit(body, Encoding.UTF8.GetBytes(mended));
    }

    [Fact]
    public async Task ValidTextIsHandedOnInTheCallersBufferAsItArrives()
    {
        // The first read ends inside é: only that character waits for the next read.
        var body = Encoding.UTF8.GetBytes("""{"a":"café"}""");
        using var stream = new TextRepairingStream(new TrickleStream(body, 10));
        var buffer = new byte[4096];

        Assert.Equal(9, await stream.ReadAsync(buffer, TestContext.Current.CancellationToken));
        Assert.Equal(body.Length - 9, await stream.ReadAsync(buffer, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("""{"a":"x\""", 7)]     // a backslash that starts an escape
    [InlineData("""{"a":"x\\""", 9)]    // an escaped backslash: nothing to wait for
    [InlineData("""{"a":"\ud83d""", 6)] // a high surrogate: its partner may come next
    [InlineData("""{"a":"\ud83d\u""", 6)]
    [InlineData("""{"a":"\u00e9""", 12)]
    [InlineData("""{"a":"\u00""", 6)]
    public void OnlyATailTheNextBytesMayCompleteWaits(string data, int judged) =>
        Assert.Equal(judged, JsonUnicode.JudgedLength(Encoding.UTF8.GetBytes(data)));

    private static void AssertMendedAtEverySplit(byte[] body, byte[] expected)
    {
        for (var chunk = 1; chunk <= body.Length; chunk++)
        {
            Assert.Equal(expected, Read(new TrickleStream(body, chunk), 4096));
            Assert.Equal(expected, Read(new TrickleStream(body, chunk), 5)); // a caller's buffer smaller than an escape
        }
    }

    private static byte[] Read(Stream upstream, int bufferSize)
    {
        using var stream = new TextRepairingStream(upstream);
        using var output = new MemoryStream();
        var buffer = new byte[bufferSize];
        int read;
        while ((read = stream.ReadAsync(buffer, TestContext.Current.CancellationToken).AsTask().GetAwaiter().GetResult()) > 0)
        {
            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }
}
