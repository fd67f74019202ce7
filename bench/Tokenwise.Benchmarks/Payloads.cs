using System.Text;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Providers.Simulated;

namespace Tokenwise.Benchmarks;

/// <summary>Realistic bodies for the micro-benchmarks, built once.</summary>
internal static class Payloads
{
    /// <summary>The model the streaming rewrite renames to (as a configured alias would).</summary>
    public const string RenamedModel = "gpt-4o-mini-2024-07-18";

    /// <summary>A typical ~1 KB chat request: system and user message, temperature, one tool.</summary>
    public static byte[] ChatRequest { get; } = Encoding.UTF8.GetBytes(ChatRequestJson(stream: false));

    /// <summary>The same request, streamed (so the gateway inserts <c>stream_options.include_usage</c>).</summary>
    public static byte[] StreamingChatRequest { get; } = Encoding.UTF8.GetBytes(ChatRequestJson(stream: true));

    /// <summary>The answer the gateway meters: text, usage with cached and reasoning details.</summary>
    public static SimulatedAnswer Answer { get; } = new(
        "chatcmpl-BjQ7nWq3ZkP2cXrT9yLmA5sVdE1fG",
        1_750_000_000,
        RenamedModel,
        SplitWords("Lisbon should be mild next Thursday, around 22 °C by day and 15 °C at night, with little chance of rain. "
            + "A light sweater is enough for the evenings."),
        new TokenUsage(InputTokens: 214, CachedInputTokens: 128, CacheWriteTokens: 0, OutputTokens: 34, ReasoningTokens: 0),
        "stop");

    /// <summary>A non-streaming <c>chat.completion</c> body as OpenAI sends it (~700 bytes).</summary>
    public static byte[] ChatCompletionResponse { get; } = OpenAIWireWriter.ChatCompletion(Answer, includeUsage: true);

    /// <summary>Every server-sent event of the same answer streamed with usage, as the gateway asks for it.</summary>
    public static byte[][] StreamEvents { get; } = OpenAIWireWriter.ChatCompletionEvents(Answer, includeUsage: true).ToArray();

    /// <summary>The usage record of one non-streaming chat request on the default path (a cache miss), as the endpoint fills it.</summary>
    public static UsageRecord ChatRecord(string id, DateTimeOffset now) => new()
    {
        Id = id,
        StartedAt = now,
        Endpoint = "chat.completions",
        Dialect = OpenAIRequestParser.Dialect,
        Model = "gpt-4o-mini",
        Provider = "openai",
        UpstreamModel = "gpt-4o-mini",
        Status = 200,
        Usage = new TokenUsage(214, 128, 0, 61, 0),
        CostUsd = 0.0000621m,
        LatencyMs = 412.5,
        TtftMs = 380.1,
        Cache = "miss",
    };

    private static string ChatRequestJson(bool stream) =>
        "{\"model\":\"gpt-4o-mini\","
        + (stream ? "\"stream\":true," : "")
        + "\"messages\":["
        + "{\"role\":\"system\",\"content\":\"You are a concise travel assistant for a booking website. Answer in at most three sentences, "
        + "quote prices in the user's currency, and call the weather tool whenever the user asks about conditions at a destination.\"},"
        + "{\"role\":\"user\",\"content\":\"I am flying to Lisbon next Thursday for a long weekend. What will the weather be like, "
        + "and should I pack a rain jacket or is a light sweater enough for the evenings?\"}],"
        + "\"temperature\":0.7,\"max_completion_tokens\":300,"
        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Get the weather forecast for a city on a given date.\","
        + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"description\":\"City name, e.g. Lisbon\"},"
        + "\"date\":{\"type\":\"string\",\"description\":\"ISO 8601 date, e.g. 2025-06-12\"},"
        + "\"unit\":{\"type\":\"string\",\"enum\":[\"celsius\",\"fahrenheit\"]}},"
        + "\"required\":[\"city\",\"date\"],\"additionalProperties\":false},\"strict\":true}}],"
        + "\"tool_choice\":\"auto\",\"user\":\"user-4821\"}";

    private static List<string> SplitWords(string text)
    {
        var pieces = new List<string>();
        foreach (var word in text.Split(' '))
        {
            pieces.Add(pieces.Count == 0 ? word : " " + word);
        }

        return pieces;
    }
}
