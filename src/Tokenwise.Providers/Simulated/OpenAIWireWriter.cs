using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using Tokenwise.Metering;
using Tokenwise.Providers.Translation;

namespace Tokenwise.Providers.Simulated;

/// <summary>
/// Writes answers in OpenAI's exact wire format: chat completions, stream chunks as server-sent
/// events, and embeddings. Shared by the simulated provider and the tests' fake upstream, so both
/// speak the same bytes as the real API.
/// </summary>
public static class OpenAIWireWriter
{
    private const string Fingerprint = "fp_tokenwise_sim";

    public static byte[] ChatCompletion(SimulatedAnswer answer, bool includeUsage = true)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            WriteHeader(w, answer, "chat.completion");
            w.WriteStartArray("choices");
            for (var index = 0; index < answer.Choices; index++)
            {
                WriteChoice(w, answer, index);
            }

            w.WriteEndArray();
            if (includeUsage)
            {
                WriteUsage(w, answer.Usage);
            }

            w.WriteString("service_tier", answer.Usage.ServiceTier ?? "default");
            w.WriteString("system_fingerprint", Fingerprint);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteChoice(Utf8JsonWriter w, SimulatedAnswer answer, int index)
    {
        w.WriteStartObject();
        w.WriteNumber("index", index);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        if (answer.ToolCall is { } call)
        {
            w.WriteNull("content");
            w.WriteNull("refusal");
            w.WriteStartArray("tool_calls");
            w.WriteStartObject();
            w.WriteString("id", call.Id);
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", call.Name);
            w.WriteString("arguments", call.Arguments);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        }
        else
        {
            w.WriteString("content", answer.Text);
            w.WriteNull("refusal");
        }

        WriteAnnotations(w, answer);
        w.WriteEndObject();
        w.WriteNull("logprobs");
        w.WriteString("finish_reason", answer.FinishReason);
        w.WriteEndObject();
    }

    /// <summary>
    /// The events of a streamed answer, in OpenAI's order: for each choice a role chunk, one chunk per piece of
    /// text and a finish chunk; then the usage chunk (empty choices) when asked for, and <c>[DONE]</c>.
    /// </summary>
    public static IEnumerable<byte[]> ChatCompletionEvents(SimulatedAnswer answer, bool includeUsage)
    {
        // Each of n choices streams whole in turn, its chunks tagged with its index, as a client assembles them.
        for (var index = 0; index < answer.Choices; index++)
        {
            foreach (var chunk in ChoiceEvents(answer, index, includeUsage))
            {
                yield return chunk;
            }
        }

        if (includeUsage)
        {
            yield return Sse(w =>
            {
                w.WriteStartObject();
                WriteHeader(w, answer, "chat.completion.chunk");
                w.WriteStartArray("choices");
                w.WriteEndArray();
                WriteUsage(w, answer.Usage);
                w.WriteString("service_tier", answer.Usage.ServiceTier ?? "default");
                w.WriteString("system_fingerprint", Fingerprint);
                w.WriteEndObject();
            });
        }

        yield return "data: [DONE]\n\n"u8.ToArray();
    }

    private static IEnumerable<byte[]> ChoiceEvents(SimulatedAnswer answer, int index, bool includeUsage)
    {
        yield return Event(answer, index, w =>
        {
            w.WriteString("role", "assistant");
            w.WriteString("content", "");
            w.WriteNull("refusal");
        }, finishReason: null, includeUsage);
        foreach (var piece in answer.Pieces)
        {
            yield return Event(answer, index, w => w.WriteString("content", piece), finishReason: null, includeUsage);
        }

        if (answer.ToolCall is { } call)
        {
            // As OpenAI streams a call: id and name first with empty arguments, then the arguments in fragments.
            yield return Event(answer, index, w => WriteToolCallDelta(w, call.Id, call.Name, ""), finishReason: null, includeUsage);
            var half = call.Arguments.Length / 2;
            foreach (var fragment in (string[])[call.Arguments[..half], call.Arguments[half..]])
            {
                yield return Event(answer, index, w => WriteToolCallDelta(w, null, null, fragment), finishReason: null, includeUsage);
            }
        }

        if (answer.Citations.Count > 0)
        {
            // As OpenAI's search models stream their citations: one delta of annotations after the text.
            yield return Event(answer, index, w => WriteAnnotations(w, answer), finishReason: null, includeUsage);
        }

        yield return Event(answer, index, _ => { }, answer.FinishReason, includeUsage);
    }

    /// <summary>The answer's <c>annotations</c>: a <c>url_citation</c> over the whole text for each source it cites.</summary>
    private static void WriteAnnotations(Utf8JsonWriter w, SimulatedAnswer answer) =>
        OpenAIAnswerWriter.WriteAnnotations(w, answer.Citations.Select(c => new UrlCitation(0, answer.Text.Length, c.Url, c.Title)).ToList());

    public static byte[] Embeddings(string model, IReadOnlyList<float[]> vectors, long promptTokens, bool base64)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            for (var i = 0; i < vectors.Count; i++)
            {
                w.WriteStartObject();
                w.WriteString("object", "embedding");
                w.WriteNumber("index", i);
                if (base64)
                {
                    w.WriteBase64String("embedding", MemoryMarshal.AsBytes(vectors[i].AsSpan()));
                }
                else
                {
                    w.WriteStartArray("embedding");
                    foreach (var value in vectors[i])
                    {
                        w.WriteNumberValue(value);
                    }

                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("model", model);
            w.WriteStartObject("usage");
            w.WriteNumber("prompt_tokens", promptTokens);
            w.WriteNumber("total_tokens", promptTokens);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteToolCallDelta(Utf8JsonWriter w, string? id, string? name, string arguments)
    {
        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        if (id is not null)
        {
            w.WriteString("id", id);
            w.WriteString("type", "function");
        }

        w.WriteStartObject("function");
        if (name is not null)
        {
            w.WriteString("name", name);
        }

        w.WriteString("arguments", arguments);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private static byte[] Event(SimulatedAnswer answer, int index, Action<Utf8JsonWriter> writeDelta, string? finishReason, bool includeUsage) => Sse(w =>
    {
        w.WriteStartObject();
        WriteHeader(w, answer, "chat.completion.chunk");
        w.WriteString("service_tier", answer.Usage.ServiceTier ?? "default");
        w.WriteString("system_fingerprint", Fingerprint);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", index);
        w.WriteStartObject("delta");
        writeDelta(w);
        w.WriteEndObject();
        w.WriteNull("logprobs");
        if (finishReason is null)
        {
            w.WriteNull("finish_reason");
        }
        else
        {
            w.WriteString("finish_reason", finishReason);
        }

        w.WriteEndObject();
        w.WriteEndArray();
        if (includeUsage)
        {
            // With include_usage, OpenAI sends "usage": null on every chunk before the last.
            w.WriteNull("usage");
        }

        w.WriteEndObject();
    });

    private static byte[] Sse(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.Write("data: "u8);
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        buffer.Write("\n\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteHeader(Utf8JsonWriter w, SimulatedAnswer answer, string objectType)
    {
        w.WriteString("id", answer.Id);
        w.WriteString("object", objectType);
        w.WriteNumber("created", answer.Created);
        w.WriteString("model", answer.Model);
    }

    private static void WriteUsage(Utf8JsonWriter w, TokenUsage usage)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", usage.InputTokens);
        w.WriteNumber("completion_tokens", usage.OutputTokens);
        w.WriteNumber("total_tokens", usage.TotalTokens);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", usage.CachedInputTokens);
        w.WriteNumber("audio_tokens", usage.AudioInputTokens);
        w.WriteEndObject();
        w.WriteStartObject("completion_tokens_details");
        w.WriteNumber("reasoning_tokens", usage.ReasoningTokens);
        w.WriteNumber("audio_tokens", usage.AudioOutputTokens);
        w.WriteNumber("accepted_prediction_tokens", 0);
        w.WriteNumber("rejected_prediction_tokens", 0);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
