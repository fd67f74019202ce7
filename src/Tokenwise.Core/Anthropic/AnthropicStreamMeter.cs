using System.Text.Json;
using Tokenwise.Metering;

namespace Tokenwise.Anthropic;

/// <summary>
/// Watches the events of an Anthropic Messages stream as they pass: the prompt side of the usage
/// arrives in <c>message_start</c>, the cumulative <c>output_tokens</c> in <c>message_delta</c>; the
/// generated text (text, tool-input JSON and thinking deltas) is kept in case the stream ends before
/// its final usage, so the output can be estimated. Every event is forwarded.
/// </summary>
public sealed class AnthropicStreamMeter : IStreamMeter
{
    private readonly StreamedText _generated = new();

    /// <summary>The usage reported so far (the latest value of each field).</summary>
    public AnthropicUsage Usage { get; private set; }

    /// <summary>True once <c>message_start</c> reported the prompt's usage.</summary>
    public bool HasInputUsage { get; private set; }

    /// <summary>True once <c>message_delta</c> reported the final output count.</summary>
    public bool HasFinalUsage { get; private set; }

    /// <summary>The <c>error.type</c> of an <c>error</c> event the upstream sent mid-stream, if any.</summary>
    public string? ErrorType { get; private set; }

    /// <summary>Everything generated so far (text, tool-input JSON, thinking).</summary>
    public string GeneratedText => _generated.ToString();

    public bool Inspect(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return true;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    ReadMessageStart(ref reader);
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        Usage = AnthropicUsage.Read(ref reader, Usage);
                        HasFinalUsage = true;
                    }
                }
                else if (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("content_block"u8))
                {
                    reader.Read();
                    CollectGenerated(ref reader);
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        ErrorType = AnthropicErrorBody.ReadErrorObjectType(ref reader) ?? "error";
                    }
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
            // A malformed event is still relayed; it just carries nothing to meter.
        }

        return true;
    }

    /// <summary>Reads <c>message_start</c>'s message, whose usage holds the prompt's tokens.</summary>
    private void ReadMessageStart(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isUsage = reader.ValueTextEquals("usage"u8);
            reader.Read();
            if (isUsage && reader.TokenType == JsonTokenType.StartObject)
            {
                Usage = AnthropicUsage.Read(ref reader, Usage);
                HasInputUsage = true;
            }
            else
            {
                reader.Skip();
            }
        }
    }

    /// <summary>Appends the generated strings of a delta or a starting content block (not types, ids or signatures).</summary>
    private void CollectGenerated(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        var depth = reader.CurrentDepth;
        var collect = false;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                collect = reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("partial_json"u8)
                    || reader.ValueTextEquals("thinking"u8) || reader.ValueTextEquals("name"u8);
            }
            else if (reader.TokenType == JsonTokenType.String && collect)
            {
                _generated.Append(ref reader);
                collect = false;
            }
        }
    }
}
