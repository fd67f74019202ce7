using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.OpenAI;
using Tokenwise.Providers.Gemini;
using Tokenwise.Providers.Translation;

namespace Tokenwise.Tests.Gemini;

/// <summary>
/// Golden files for the Gemini adapter, one folder per case under Golden/. Inputs are
/// <c>request.openai.json</c> (what a client sends), <c>response.gemini.json</c> or
/// <c>response.gemini.sse</c> (what Gemini answers) and <c>error.gemini.json</c>; the goldens are the
/// exact bytes the adapter produces from them: <c>request.gemini.json</c> (sent upstream),
/// <c>response.openai.json</c> / <c>response.openai.sse</c> and <c>error.openai.txt</c> (returned to the
/// client). To regenerate the goldens after a deliberate change, run the tests with
/// <c>TOKENWISE_UPDATE_GOLDEN=1</c> and review the diff.
/// </summary>
public sealed class GeminiGoldenTests
{
    private const long Created = 1_750_000_000;
    private const string FallbackModel = "gemini-fallback-model";

    public static TheoryData<string> Cases => new(Directory.GetDirectories(GoldenRoot()).Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Cases))]
    public void RequestSentUpstreamIsExactlyTheGolden(string name)
    {
        var input = Input(name, "request.openai.json");
        if (input is null)
        {
            return;
        }

        Assert.True(GeminiRequestTranslator.TryTranslate(input, out var gemini, out var error), error?.Message);
        Compare(name, "request.gemini.json", JsonSerializer.SerializeToUtf8Bytes(gemini));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AnswerReturnedToTheClientIsExactlyTheGolden(string name)
    {
        if (Input(name, "response.gemini.json") is { } json)
        {
            Compare(name, "response.openai.json", GeminiResponseTranslator.ToChatCompletion(json, FallbackModel, Created)!);
        }

        if (Input(name, "response.gemini.sse") is { } sse)
        {
            Compare(name, "response.openai.sse", ReadTranslatedStream(sse));
        }

        if (Input(name, "error.gemini.json") is { } errorBody)
        {
            var status = JsonNode.Parse(errorBody)!["error"]!["code"]!.GetValue<int>();
            var (error, retryAfter) = GeminiErrorTranslator.ToOpenAI(status, errorBody);
            var written = new System.Buffers.ArrayBufferWriter<byte>();
            OpenAIErrorBody.Write(error, written);
            Compare(name, "error.openai.txt", Encoding.UTF8.GetBytes(
                $"HTTP {error.Status}\nRetry-After: {retryAfter ?? "(none)"}\n\n{Encoding.UTF8.GetString(written.WrittenSpan)}"));
        }
    }

    [Fact]
    public void EveryCaseHasItsGoldens()
    {
        foreach (var dir in Directory.GetDirectories(GoldenRoot()))
        {
            var files = Directory.GetFiles(dir).Select(Path.GetFileName).ToHashSet();
            Assert.True(!files.Contains("request.openai.json") || files.Contains("request.gemini.json"), dir);
            Assert.True(!files.Contains("response.gemini.json") || files.Contains("response.openai.json"), dir);
            Assert.True(!files.Contains("response.gemini.sse") || files.Contains("response.openai.sse"), dir);
            Assert.True(!files.Contains("error.gemini.json") || files.Contains("error.openai.txt"), dir);
        }
    }

    /// <summary>
    /// Reads the translated stream a few bytes at a time, as a slow network would deliver it, so
    /// events split across reads are exercised too.
    /// </summary>
    private static byte[] ReadTranslatedStream(byte[] geminiSse)
    {
        using var stream = new TranslatingSseStream(new TrickleStream(geminiSse, 7), new GeminiStreamTranslator(FallbackModel, Created));
        using var output = new MemoryStream();
        var buffer = new byte[5];
        int read;
        while ((read = stream.ReadAsync(buffer, TestContext.Current.CancellationToken).AsTask().GetAwaiter().GetResult()) > 0)
        {
            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }

    private static byte[]? Input(string name, string file)
    {
        var path = Path.Combine(GoldenRoot(), name, file);
        return File.Exists(path) ? TrimFinalNewline(File.ReadAllBytes(path)) : null;
    }

    private static byte[] TrimFinalNewline(byte[] bytes) =>
        bytes.Length > 0 && bytes[^1] == '\n' && !(bytes.Length > 1 && bytes[^2] == '\n') ? bytes[..^1] : bytes;

    private static void Compare(string name, string file, byte[] actual)
    {
        var path = Path.Combine(GoldenRoot(), name, file);
        if (Environment.GetEnvironmentVariable("TOKENWISE_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllBytes(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"{path} is missing; run with TOKENWISE_UPDATE_GOLDEN=1 to create it.");
        Assert.Equal(Encoding.UTF8.GetString(File.ReadAllBytes(path)), Encoding.UTF8.GetString(actual));
    }

    private static string GoldenRoot([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "Golden");

    /// <summary>A stream that hands out at most <paramref name="chunk"/> bytes per read.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
    }
}
