using System.Text;
using System.Text.Json;
using Tokenwise.Metering;

namespace Tokenwise.OpenAI;

/// <summary>
/// Watches the typed events of a Responses API stream as they pass (every one is forwarded): the usage
/// comes from the <c>response</c> object of <c>response.completed</c> (or <c>response.failed</c> /
/// <c>response.incomplete</c>); the text of every <c>*.delta</c> event is kept in case the stream ends
/// without it; an <c>error</c> event's code, or a failed response's, is remembered for the record.
/// </summary>
public sealed class ResponsesStreamMeter : ITokenStreamMeter
{
    private readonly StreamedText _generated = new();

    public bool HasUsage { get; private set; }
    private TokenUsage _usage;
    private string? _serviceTier;
    private long _searchesDone, _searchesListed;

    /// <summary>The reported counts, with the <c>service_tier</c> the stream named and its web searches.</summary>
    public TokenUsage Usage => _usage with { ServiceTier = _serviceTier, WebSearchRequests = WebSearches };

    /// <summary>
    /// The web searches the response ran, each billed: its <c>web_search_call</c> items, counted as each one is done (so a stream
    /// cut short still counts those that ran) and as the final response lists them.
    /// </summary>
    public long WebSearches => Math.Max(_searchesDone, _searchesListed);

    /// <summary>The code of an <c>error</c> event or of a <c>response.failed</c> response's error.</summary>
    public string? ErrorCode { get; private set; }

    /// <summary>The highest <c>sequence_number</c> seen, so an event the gateway adds can follow it.</summary>
    public long LastSequenceNumber { get; private set; } = -1;

    public bool Complete { get; private set; }

    public string GeneratedText => _generated.ToString();

    public bool Inspect(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        var kind = EventKind.Other;
        string? code = null;
        var itemIsSearch = false;
        // A delta is appended as it is read (no string per event) and dropped again if the event's type says it is not text.
        var deltaMark = -1;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return true;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    kind = Classify(ref reader);
                }
                else if (reader.ValueTextEquals("delta"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        deltaMark = _generated.Length;
                        _generated.Append(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("code"u8))
                {
                    reader.Read();
                    code = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("sequence_number"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var sequence) && sequence > LastSequenceNumber)
                    {
                        LastSequenceNumber = sequence;
                    }
                }
                else if (reader.ValueTextEquals("response"u8))
                {
                    reader.Read();
                    ReadResponse(ref reader, ref code);
                }
                else if (reader.ValueTextEquals("item"u8))
                {
                    reader.Read();
                    itemIsSearch = OpenAIUsageReader.IsWebSearchCall(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            kind = EventKind.Malformed;
        }

        if (deltaMark >= 0 && kind != EventKind.TextDelta)
        {
            _generated.Truncate(deltaMark);
        }

        switch (kind)
        {
            case EventKind.Completed:
                Complete = true;
                break;
            case EventKind.Error:
                ErrorCode ??= code ?? "upstream_error";
                break;
            case EventKind.Failed:
                ErrorCode ??= code ?? "response_failed";
                break;
            case EventKind.ItemDone when itemIsSearch:
                _searchesDone++;
                break;
        }

        return true;
    }

    private enum EventKind { Other, Malformed, TextDelta, Completed, Error, Failed, ItemDone }

    /// <summary>The kind of event a <c>type</c> value names, read without allocating a string.</summary>
    private static EventKind Classify(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return EventKind.Other;
        }

        // Event types are plain ASCII; an escaped one (never sent in practice) is unescaped first.
        ReadOnlySpan<byte> type = reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;
        if (type.SequenceEqual("response.completed"u8))
        {
            return EventKind.Completed;
        }

        if (type.SequenceEqual("error"u8))
        {
            return EventKind.Error;
        }

        if (type.SequenceEqual("response.failed"u8))
        {
            return EventKind.Failed;
        }

        if (type.SequenceEqual("response.output_item.done"u8))
        {
            return EventKind.ItemDone;
        }

        // Audio deltas are base64 audio, not text; every other delta (text, refusal, reasoning, tool arguments) is generated text.
        return type.EndsWith(".delta"u8) && !type.SequenceEqual("response.audio.delta"u8) ? EventKind.TextDelta : EventKind.Other;
    }

    /// <summary>Reads a response object's <c>usage</c>, its web searches and its <c>error.code</c>.</summary>
    private void ReadResponse(ref Utf8JsonReader reader, ref string? code)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    _usage = OpenAIUsageReader.ReadUsageObject(ref reader);
                    HasUsage = true;
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                code = ReadErrorCode(ref reader) ?? code;
            }
            else if (reader.ValueTextEquals("service_tier"u8))
            {
                _serviceTier = ServiceTiers.Read(ref reader) ?? _serviceTier;
            }
            else if (reader.ValueTextEquals("output"u8))
            {
                reader.Read();
                _searchesListed = Math.Max(_searchesListed, OpenAIUsageReader.CountWebSearchCalls(ref reader));
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static string? ReadErrorCode(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        string? code = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isCode = reader.ValueTextEquals("code"u8);
            reader.Read();
            if (isCode && reader.TokenType == JsonTokenType.String)
            {
                code = reader.GetString();
            }

            reader.Skip();
        }

        return code;
    }
}
