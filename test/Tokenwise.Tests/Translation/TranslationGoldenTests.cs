using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Tokenwise.Metering;
using Tokenwise.Pipeline;
using Tokenwise.Providers.Translation;
using Tokenwise.Providers.Translation.AnthropicToOpenAI;
using Tokenwise.Providers.Translation.OpenAIToAnthropic;
using Tokenwise.Streams;
using Tokenwise.Testing;

namespace Tokenwise.Tests.Translation;

/// <summary>
/// Golden files for the OpenAI ⇄ Anthropic translation, one folder per direction and case under Golden/
/// (<c>openai-to-anthropic</c>: an OpenAI client, an Anthropic provider; <c>anthropic-to-openai</c>: the
/// reverse). Inputs are <c>request.client.json</c> (what the client sends), <c>response.upstream.json</c> or
/// <c>response.upstream.sse</c> (what the provider answers) and <c>error.upstream.json</c> (with the HTTP
/// status in the case's name, e.g. <c>error-429</c>); the goldens are the exact bytes the translation
/// produces: <c>request.upstream.json</c> (sent upstream), <c>response.client.json</c> /
/// <c>response.client.sse</c> and <c>error.client.txt</c> (returned to the client), and
/// <c>usage.metered.txt</c> (the provider's own usage, which the gateway meters; for a stream cut short,
/// what it reported before the cut). Regenerate with <c>TOKENWISE_UPDATE_GOLDEN=1</c> (see <see cref="GoldenFiles"/>).
/// </summary>
public sealed class TranslationGoldenTests
{
    public const string OpenAIToAnthropic = "openai-to-anthropic";
    public const string AnthropicToOpenAI = "anthropic-to-openai";
    private const long Created = 1_750_000_000;
    private const long CatalogMaxOutputTokens = 64_000;

    public static TheoryData<string, string> Cases
    {
        get
        {
            var cases = new TheoryData<string, string>();
            foreach (var direction in new[] { OpenAIToAnthropic, AnthropicToOpenAI })
            {
                foreach (var dir in Directory.GetDirectories(Path.Combine(GoldenRoot(), direction)).Order(StringComparer.Ordinal))
                {
                    cases.Add(direction, Path.GetFileName(dir));
                }
            }

            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RequestSentUpstreamIsExactlyTheGolden(string direction, string name)
    {
        if (Input(direction, name, "request.client.json") is not { } input)
        {
            return;
        }

        var request = TranslationJson.ParseObject(input);
        var model = TranslationJson.Str(request["model"])!;
        var translated = direction == OpenAIToAnthropic
            ? AnthropicRequestFromOpenAI.Translate(request, model, CatalogMaxOutputTokens)
            : OpenAIRequestFromAnthropic.Translate(request, model);
        Compare(direction, name, "request.upstream.json", TranslationJson.Serialize(translated));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AnswerReturnedToTheClientIsExactlyTheGolden(string direction, string name)
    {
        var toAnthropic = direction == OpenAIToAnthropic;
        if (Input(direction, name, "response.upstream.json") is { } json)
        {
            var output = new ArrayBufferWriter<byte>();
            Assert.True(toAnthropic
                ? ChatCompletionFromAnthropic.Write(json, "fallback-model", Created, output)
                : MessageFromChatCompletion.Write(json, "fallback-model", output));
            Compare(direction, name, "response.client.json", output.WrittenSpan.ToArray());
            var usage = toAnthropic
                ? global::Tokenwise.Anthropic.AnthropicUsage.TryReadMessage(json, out var anthropic) ? anthropic.ToTokenUsage() : default
                : global::Tokenwise.OpenAI.OpenAIUsageReader.TryRead(json, out var openai) ? openai : default;
            Compare(direction, name, "usage.metered.txt", Encoding.UTF8.GetBytes(usage.ToString()));
        }

        if (Input(direction, name, "response.upstream.sse") is { } sse)
        {
            IStreamTranslator events = toAnthropic ? new ChunksFromAnthropicStream("fallback-model", Created) : new EventsFromOpenAIStream("fallback-model");
            Compare(direction, name, "response.client.sse", TrickleStream.ReadToEnd(new TranslatingSseStream(new TrickleStream(sse, 7), events)));
            // A stream cut short is metered from what the provider reported before the cut, the output estimated.
            var metered = events.ReportedUsage?.ToString() ?? (events.PartialUsage is { } partial ? "cut short, output estimated from: " + partial : "(none)");
            Compare(direction, name, "usage.metered.txt", Encoding.UTF8.GetBytes(metered));
        }

        if (Input(direction, name, "error.upstream.json") is { } errorBody)
        {
            var status = int.Parse(name["error-".Length..], CultureInfo.InvariantCulture);
            var output = new ArrayBufferWriter<byte>();
            GatewayError error;
            if (toAnthropic)
            {
                error = OpenAIFromAnthropic.Error(status, errorBody);
                OpenAIFromAnthropic.WriteError(error, output);
            }
            else
            {
                error = AnthropicFromOpenAI.Error(status, errorBody);
                AnthropicFromOpenAI.WriteError(error, output);
            }

            Compare(direction, name, "error.client.txt", Encoding.UTF8.GetBytes($"HTTP {error.Status}\n\n{Encoding.UTF8.GetString(output.WrittenSpan)}"));
        }
    }

    [Fact]
    public void EveryCaseHasItsGoldens()
    {
        foreach (var dir in Directory.GetDirectories(GoldenRoot()).SelectMany(Directory.GetDirectories))
        {
            var files = Directory.GetFiles(dir).Select(Path.GetFileName).ToHashSet();
            Assert.True(!files.Contains("request.client.json") || files.Contains("request.upstream.json"), dir);
            Assert.True(!files.Contains("response.upstream.json") || files.Contains("response.client.json"), dir);
            Assert.True(!files.Contains("response.upstream.sse") || files.Contains("response.client.sse"), dir);
            Assert.True(!files.Contains("error.upstream.json") || files.Contains("error.client.txt"), dir);
        }
    }

    private static byte[]? Input(string direction, string name, string file) => GoldenFiles.Input(Path.Combine(GoldenRoot(), direction, name, file));

    private static void Compare(string direction, string name, string file, byte[] actual)
    {
        var text = Encoding.UTF8.GetString(actual);
        Assert.Equal(GoldenFiles.Expected(Path.Combine(GoldenRoot(), direction, name, file), text), text);
    }

    private static string GoldenRoot([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "Golden");
}
