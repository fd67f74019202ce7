using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.OpenAI;
using Tokenwise.Providers.Gemini;
using Tokenwise.Providers.Translation;
using Tokenwise.Streams;
using Tokenwise.Testing;

namespace Tokenwise.Tests.Gemini;

/// <summary>
/// Golden files for the Gemini adapter, one folder per case under Golden/. Inputs are
/// <c>request.openai.json</c> (what a client sends), <c>response.gemini.json</c> or
/// <c>response.gemini.sse</c> (what Gemini answers) and <c>error.gemini.json</c>; the goldens are the
/// exact bytes the adapter produces from them: <c>request.gemini.json</c> (sent upstream),
/// <c>response.openai.json</c> / <c>response.openai.sse</c> and <c>error.openai.txt</c> (returned to the
/// client), and <c>usage.metered.txt</c> (the usage the gateway meters: Gemini's own, which the translated answer's
/// usage repeats but for the web searches, which OpenAI's usage has no field for). Regenerate with <c>TOKENWISE_UPDATE_GOLDEN=1</c> (see <see cref="GoldenFiles"/>).
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
            var (answer, usage) = GeminiResponseTranslator.ToChatCompletion(json, FallbackModel, Created, searchesPerQuery: false);
            Compare(name, "response.openai.json", answer!);
            Compare(name, "usage.metered.txt", Encoding.UTF8.GetBytes(usage?.ToString() ?? "(none)"));
            // The translated body carries the same token counts, for clients that read them.
            Assert.Equal(usage is { } reported ? (reported with { WebSearchRequests = 0 }).ToString() : "(none)",
                OpenAIUsageReader.TryRead(answer, out var read) ? read.ToString() : "(none)");
        }

        if (Input(name, "response.gemini.sse") is { } sse)
        {
            var translator = new GeminiStreamTranslator(FallbackModel, Created, searchesPerQuery: false);
            var events = TrickleStream.ReadToEnd(new TranslatingSseStream(new TrickleStream(sse, 7), translator));
            Compare(name, "response.openai.sse", events);
            Compare(name, "usage.metered.txt", Encoding.UTF8.GetBytes(translator.ReportedUsage?.ToString() ?? "(none)"));
            var chunkUsage = MeteredFromStream(events);
            Assert.Equal(translator.ReportedUsage is { } reported ? (reported with { WebSearchRequests = 0 }).ToString() : "(none)", chunkUsage);
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
            Assert.True(!(files.Contains("response.gemini.json") || files.Contains("response.gemini.sse")) || files.Contains("usage.metered.txt"), dir);
        }
    }

    /// <summary>
    /// The usage the OpenAI endpoint meters from the translated stream: its usage chunk, read by the same
    /// stream meter; none when the stream ended without one (the gateway then estimates).
    /// </summary>
    private static string MeteredFromStream(byte[] events)
    {
        var meter = new OpenAIStreamMeter(clientRequestedUsage: false);
        ReadOnlySpan<byte> rest = events;
        while (SseRelay.TryFindEventEnd(rest, out var length))
        {
            if (SseRelay.TryGetData(rest[..length], out var data))
            {
                meter.Inspect(data);
            }

            rest = rest[length..];
        }

        return meter.HasUsage ? meter.Usage.ToString() : "(none)";
    }

    private static byte[]? Input(string name, string file) => GoldenFiles.Input(Path.Combine(GoldenRoot(), name, file));

    private static void Compare(string name, string file, byte[] actual)
    {
        var text = Encoding.UTF8.GetString(actual);
        Assert.Equal(GoldenFiles.Expected(Path.Combine(GoldenRoot(), name, file), text), text);
    }

    private static string GoldenRoot([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "Golden");
}
