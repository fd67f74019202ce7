using System.Buffers;
using System.Text.Json;
using Tokenwise.Metering;
using Tokenwise.Pipeline;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Translation;

/// <summary>A tool call of a translated answer, as OpenAI's <c>tool_calls</c> carries it.</summary>
internal readonly record struct OpenAIToolCall(string? Id, string? Name, string Arguments);

/// <summary>
/// A source the answer cites, as OpenAI's search models annotate their answers (<c>url_citation</c>): the cited span of
/// the message's content, in UTF-16 code units, start inclusive, end exclusive.
/// </summary>
internal readonly record struct UrlCitation(int StartIndex, int EndIndex, string Url, string? Title);

/// <summary>
/// Writes OpenAI's answers from another dialect's: a whole <c>chat.completion</c>, and a stream's
/// <c>chat.completion.chunk</c> events, usage chunk and error events, the same for every provider translated.
/// </summary>
internal static class OpenAIAnswerWriter
{
    /// <summary>
    /// A whole <c>chat.completion</c>; <paramref name="content"/> null writes <c>"content": null</c>,
    /// and <paramref name="usage"/> null leaves <c>usage</c> out.
    /// </summary>
    public static void WriteChatCompletion(IBufferWriter<byte> output, string id, long created, string model,
        string? content, IReadOnlyList<OpenAIToolCall> calls, string finishReason, TokenUsage? usage, IReadOnlyList<UrlCitation>? citations = null)
    {
        using var w = new Utf8JsonWriter(output, WriterOptions);
        w.WriteStartObject();
        WriteHeader(w, id, "chat.completion", created, model);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        w.WriteString("content", content);
        w.WriteNull("refusal");
        if (calls.Count > 0)
        {
            w.WriteStartArray("tool_calls");
            foreach (var call in calls)
            {
                w.WriteStartObject();
                w.WriteString("id", call.Id);
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", call.Name);
                w.WriteString("arguments", call.Arguments);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        WriteAnnotations(w, citations ?? []);
        w.WriteEndObject();
        w.WriteNull("logprobs");
        w.WriteString("finish_reason", finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        if (usage is { } reported)
        {
            WriteUsage(w, reported);
        }

        w.WriteEndObject();
    }

    /// <summary>A <c>chat.completion.chunk</c> event with one choice: its <c>delta</c> (written by <paramref name="writeDelta"/>) and finish reason.</summary>
    public static void WriteChunk(IBufferWriter<byte> output, string id, long created, string model, Action<Utf8JsonWriter> writeDelta, string? finishReason) =>
        WriteEvent(output, w =>
        {
            w.WriteStartObject();
            WriteHeader(w, id, "chat.completion.chunk", created, model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("delta");
            writeDelta(w);
            w.WriteEndObject();
            w.WriteNull("logprobs");
            w.WriteString("finish_reason", finishReason);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });

    /// <summary>The usage chunk: empty <c>choices</c>, which the endpoint hides from clients that did not ask for usage.</summary>
    public static void WriteUsageChunk(IBufferWriter<byte> output, string id, long created, string model, TokenUsage usage) =>
        WriteEvent(output, w =>
        {
            w.WriteStartObject();
            WriteHeader(w, id, "chat.completion.chunk", created, model);
            w.WriteStartArray("choices");
            w.WriteEndArray();
            WriteUsage(w, usage);
            w.WriteEndObject();
        });

    public static void WriteDone(IBufferWriter<byte> output) => output.Write("data: [DONE]\n\n"u8);

    /// <summary>An error event, as OpenAI sends a failure after its stream has started.</summary>
    public static void WriteErrorEvent(IBufferWriter<byte> output, GatewayError error)
    {
        output.Write("data: "u8);
        OpenAI.OpenAIErrorBody.Write(error, output);
        output.Write("\n\n"u8);
    }

    /// <summary>
    /// OpenAI's <c>usage</c> (the fields OpenAI itself sends for a text answer): <c>prompt_tokens</c> counts
    /// every prompt token, <c>cached_tokens</c> the cache reads, <c>audio_tokens</c> (written when there are any) the
    /// audio. Cache writes have no OpenAI field; the gateway meters them from the provider's own usage, not from this.
    /// </summary>
    private static void WriteUsage(Utf8JsonWriter w, TokenUsage usage)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", usage.InputTokens);
        w.WriteNumber("completion_tokens", usage.OutputTokens);
        w.WriteNumber("total_tokens", usage.TotalTokens);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", usage.CachedInputTokens);
        if (usage.AudioInputTokens > 0)
        {
            w.WriteNumber("audio_tokens", usage.AudioInputTokens);
        }

        w.WriteEndObject();
        w.WriteStartObject("completion_tokens_details");
        w.WriteNumber("reasoning_tokens", usage.ReasoningTokens);
        if (usage.AudioOutputTokens > 0)
        {
            w.WriteNumber("audio_tokens", usage.AudioOutputTokens);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The message's (or a stream delta's) <c>annotations</c>: one <c>url_citation</c> per cited source.</summary>
    public static void WriteAnnotations(Utf8JsonWriter w, IReadOnlyList<UrlCitation> citations)
    {
        w.WriteStartArray("annotations");
        foreach (var citation in citations)
        {
            w.WriteStartObject();
            w.WriteString("type", "url_citation");
            w.WriteStartObject("url_citation");
            w.WriteNumber("end_index", citation.EndIndex);
            w.WriteNumber("start_index", citation.StartIndex);
            w.WriteString("title", citation.Title ?? "");
            w.WriteString("url", citation.Url);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteHeader(Utf8JsonWriter w, string id, string objectType, long created, string model)
    {
        w.WriteString("id", id);
        w.WriteString("object", objectType);
        w.WriteNumber("created", created);
        w.WriteString("model", model);
    }

    private static void WriteEvent(IBufferWriter<byte> output, Action<Utf8JsonWriter> write)
    {
        output.Write("data: "u8);
        using (var w = new Utf8JsonWriter(output, WriterOptions))
        {
            write(w);
        }

        output.Write("\n\n"u8);
    }
}
