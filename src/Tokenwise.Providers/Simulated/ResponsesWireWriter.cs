using System.Buffers;
using System.Text.Json;
using Tokenwise.Metering;

namespace Tokenwise.Providers.Simulated;

/// <summary>
/// Writes answers in the exact wire format of OpenAI's Responses API: the response object, and its
/// stream of typed events (<c>event: TYPE</c> plus <c>data: {..., "sequence_number": n}</c>). Shared by
/// the simulated provider and the tests' fake upstream. An answer with reasoning tokens gets a
/// reasoning output item before its message, as OpenAI's reasoning models answer, and one
/// <c>web_search_call</c> item per web search it ran; an answer cut at <c>max_output_tokens</c> is <c>incomplete</c>.
/// </summary>
public static class ResponsesWireWriter
{
    public static byte[] Response(SimulatedAnswer answer, bool includeUsage = true)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            WriteResponse(w, answer, Final(answer), includeUsage);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The events of a streamed answer, in OpenAI's order, ending with <c>response.completed</c> (or <c>response.incomplete</c>).</summary>
    public static IEnumerable<byte[]> Events(SimulatedAnswer answer, bool includeUsage = true)
    {
        var sequence = 0;
        yield return Event("response.created", sequence++, w => WriteResponse(w, answer, "in_progress", includeUsage, "response"));
        yield return Event("response.in_progress", sequence++, w => WriteResponse(w, answer, "in_progress", includeUsage, "response"));
        var index = 0;
        if (answer.Usage.ReasoningTokens > 0)
        {
            yield return Event("response.output_item.added", sequence++, w => WriteItem(w, 0, () => WriteReasoningItem(w, answer)));
            yield return Event("response.output_item.done", sequence++, w => WriteItem(w, 0, () => WriteReasoningItem(w, answer)));
            index++;
        }

        for (var search = 0; search < answer.Usage.WebSearchRequests; search++)
        {
            var (searchAt, searchId) = (index, SearchId(answer, search));
            yield return Event("response.output_item.added", sequence++, w => WriteItem(w, searchAt, () => WriteSearchItem(w, answer, search, "in_progress")));
            foreach (var step in (string[])["response.web_search_call.in_progress", "response.web_search_call.searching", "response.web_search_call.completed"])
            {
                yield return Event(step, sequence++, w =>
                {
                    w.WriteNumber("output_index", searchAt);
                    w.WriteString("item_id", searchId);
                });
            }

            yield return Event("response.output_item.done", sequence++, w => WriteItem(w, searchAt, () => WriteSearchItem(w, answer, search, "completed")));
            index++;
        }

        var messageId = MessageId(answer);
        var at = index;
        yield return Event("response.output_item.added", sequence++, w => WriteItem(w, at, () => WriteMessage(w, answer, "in_progress", text: null)));
        yield return Event("response.content_part.added", sequence++, w =>
        {
            WritePartPosition(w, messageId, at);
            w.WritePropertyName("part");
            WriteOutputText(w, "");
        });
        foreach (var piece in answer.Pieces)
        {
            yield return Event("response.output_text.delta", sequence++, w =>
            {
                WritePartPosition(w, messageId, at);
                w.WriteString("delta", piece);
                WriteEmptyArray(w, "logprobs");
            });
        }

        yield return Event("response.output_text.done", sequence++, w =>
        {
            WritePartPosition(w, messageId, at);
            w.WriteString("text", answer.Text);
            WriteEmptyArray(w, "logprobs");
        });
        yield return Event("response.content_part.done", sequence++, w =>
        {
            WritePartPosition(w, messageId, at);
            w.WritePropertyName("part");
            WriteOutputText(w, answer.Text);
        });
        yield return Event("response.output_item.done", sequence++, w => WriteItem(w, at, () => WriteMessage(w, answer, "completed", answer.Text)));
        var final = Final(answer);
        yield return Event(final == "completed" ? "response.completed" : "response.incomplete", sequence,
            w => WriteResponse(w, answer, final, includeUsage, "response"));
    }

    private static void WriteItem(Utf8JsonWriter w, int outputIndex, Action writeItem)
    {
        w.WriteNumber("output_index", outputIndex);
        w.WritePropertyName("item");
        writeItem();
    }

    private static void WritePartPosition(Utf8JsonWriter w, string itemId, int outputIndex)
    {
        w.WriteString("item_id", itemId);
        w.WriteNumber("output_index", outputIndex);
        w.WriteNumber("content_index", 0);
    }

    private static string Final(SimulatedAnswer answer) => answer.FinishReason == "length" ? "incomplete" : "completed";

    private static string ResponseId(SimulatedAnswer answer) => "resp_" + Suffix(answer);

    private static string MessageId(SimulatedAnswer answer) => "msg_" + Suffix(answer);

    /// <summary>The unique part of the answer's chat-style id (<c>chatcmpl-sim…</c>), reused for the Responses ids.</summary>
    private static string Suffix(SimulatedAnswer answer) => answer.Id[(answer.Id.IndexOf('-', StringComparison.Ordinal) + 1)..];

    private static void WriteResponse(Utf8JsonWriter w, SimulatedAnswer answer, string status, bool includeUsage, string? propertyName = null)
    {
        if (propertyName is null)
        {
            w.WriteStartObject();
        }
        else
        {
            w.WriteStartObject(propertyName);
        }

        w.WriteString("id", ResponseId(answer));
        w.WriteString("object", "response");
        w.WriteNumber("created_at", answer.Created);
        w.WriteString("status", status);
        if (status == "in_progress")
        {
            w.WriteNull("completed_at");
        }
        else
        {
            w.WriteNumber("completed_at", answer.Created);
        }

        w.WriteBoolean("background", false);
        w.WriteNull("error");
        if (status == "incomplete")
        {
            w.WriteStartObject("incomplete_details");
            w.WriteString("reason", "max_output_tokens");
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("incomplete_details");
        }

        w.WriteNull("instructions");
        w.WriteNull("max_output_tokens");
        w.WriteString("model", answer.Model);
        w.WriteStartArray("output");
        if (status != "in_progress")
        {
            if (answer.Usage.ReasoningTokens > 0)
            {
                WriteReasoningItem(w, answer);
            }

            for (var search = 0; search < answer.Usage.WebSearchRequests; search++)
            {
                WriteSearchItem(w, answer, search, "completed");
            }

            WriteMessage(w, answer, "completed", answer.Text);
        }

        w.WriteEndArray();
        w.WriteBoolean("parallel_tool_calls", true);
        w.WriteNull("previous_response_id");
        w.WriteStartObject("reasoning");
        w.WriteNull("effort");
        w.WriteNull("summary");
        w.WriteEndObject();
        w.WriteString("service_tier", answer.Usage.ServiceTier ?? "default");
        w.WriteBoolean("store", false);
        w.WriteNumber("temperature", 1.0);
        w.WriteStartObject("text");
        w.WriteStartObject("format");
        w.WriteString("type", "text");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("tool_choice", "auto");
        WriteEmptyArray(w, "tools");
        w.WriteNumber("top_p", 1.0);
        w.WriteString("truncation", "disabled");
        // The spec's usage is not nullable: an in-progress response (or an upstream that omits usage) leaves it out.
        if (includeUsage && status != "in_progress")
        {
            WriteUsage(w, answer.Usage);
        }

        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteReasoningItem(Utf8JsonWriter w, SimulatedAnswer answer)
    {
        w.WriteStartObject();
        w.WriteString("id", "rs_" + Suffix(answer));
        w.WriteString("type", "reasoning");
        WriteEmptyArray(w, "summary");
        w.WriteEndObject();
    }

    private static string SearchId(SimulatedAnswer answer, int search) => $"ws_{Suffix(answer)}_{search}";

    private static void WriteSearchItem(Utf8JsonWriter w, SimulatedAnswer answer, int search, string status)
    {
        w.WriteStartObject();
        w.WriteString("id", SearchId(answer, search));
        w.WriteString("type", "web_search_call");
        w.WriteString("status", status);
        w.WriteStartObject("action");
        w.WriteString("type", "search");
        w.WriteString("query", $"tokenwise search {search + 1}");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter w, SimulatedAnswer answer, string status, string? text)
    {
        w.WriteStartObject();
        w.WriteString("id", MessageId(answer));
        w.WriteString("type", "message");
        w.WriteString("status", status);
        w.WriteString("role", "assistant");
        w.WriteStartArray("content");
        if (text is not null)
        {
            WriteOutputText(w, text);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteOutputText(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "output_text");
        WriteEmptyArray(w, "annotations");
        WriteEmptyArray(w, "logprobs");
        w.WriteString("text", text);
        w.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter w, TokenUsage usage)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", usage.InputTokens);
        w.WriteStartObject("input_tokens_details");
        w.WriteNumber("cached_tokens", usage.CachedInputTokens);
        w.WriteNumber("cache_write_tokens", usage.CacheWriteTokens);
        w.WriteEndObject();
        w.WriteNumber("output_tokens", usage.OutputTokens);
        w.WriteStartObject("output_tokens_details");
        w.WriteNumber("reasoning_tokens", usage.ReasoningTokens);
        w.WriteEndObject();
        w.WriteNumber("total_tokens", usage.TotalTokens);
        w.WriteEndObject();
    }

    private static void WriteEmptyArray(Utf8JsonWriter w, string name)
    {
        w.WriteStartArray(name);
        w.WriteEndArray();
    }

    /// <summary>One event: its type on the <c>event:</c> line and in the payload, whose members <paramref name="write"/> adds.</summary>
    private static byte[] Event(string type, int sequence, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        buffer.Write("event: "u8);
        buffer.Write(System.Text.Encoding.UTF8.GetBytes(type));
        buffer.Write("\ndata: "u8);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            write(w);
            w.WriteNumber("sequence_number", sequence);
            w.WriteEndObject();
        }

        buffer.Write("\n\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}
