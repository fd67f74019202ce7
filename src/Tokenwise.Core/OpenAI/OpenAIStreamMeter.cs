using System.Text.Json;
using Tokenwise.Metering;

namespace Tokenwise.OpenAI;

/// <summary>
/// Watches the chunks of an OpenAI-format stream as they pass: takes the usage from the final usage
/// chunk, keeps the generated text in case the stream ends without usage (so tokens can be
/// estimated), remembers the code of an error event (<c>data: {"error": ...}</c>, how OpenAI ends a
/// stream that failed after it started), and says which chunks the client must not see.
/// </summary>
public sealed class OpenAIStreamMeter(bool clientRequestedUsage) : ITokenStreamMeter
{
    private readonly StreamedText _generated = new();

    public bool HasUsage { get; private set; }
    private TokenUsage _usage;
    private string? _serviceTier;

    /// <summary>The reported counts, with the <c>service_tier</c> the stream named.</summary>
    public TokenUsage Usage => _usage with { ServiceTier = _serviceTier };
    public bool Complete { get; private set; }
    public string? ErrorCode { get; private set; }

    /// <summary>Everything generated so far (content, reasoning, tool-call arguments).</summary>
    public string GeneratedText => _generated.ToString();

    /// <summary>Inspects one event's <c>data</c> payload; returns false when it must not be forwarded.</summary>
    public bool Inspect(ReadOnlySpan<byte> data)
    {
        if (data.SequenceEqual("[DONE]"u8))
        {
            Complete = true;
            return true;
        }

        var reader = new Utf8JsonReader(data);
        var choices = 0;
        var hasUsage = false;
        var isError = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return true;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    choices = ReadChoices(ref reader);
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        _usage = OpenAIUsageReader.ReadUsageObject(ref reader);
                        HasUsage = hasUsage = true;
                    }
                }
                else if (reader.ValueTextEquals("service_tier"u8))
                {
                    _serviceTier = ServiceTiers.Read(ref reader) ?? _serviceTier;
                }
                else
                {
                    isError |= reader.ValueTextEquals("error"u8);
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return true;
        }

        if (isError)
        {
            // Rare, so the event is read again rather than its error object picked apart here.
            ErrorCode ??= OpenAIErrorBody.ReadCode(data) ?? "upstream_error";
        }

        // The usage-only chunk exists because the gateway asked for it; a client that did not ask
        // must not receive a chunk with an empty choices array it may not expect.
        return clientRequestedUsage || !hasUsage || choices > 0;
    }

    private int ReadChoices(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return 0;
        }

        var count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            count++;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isDelta = reader.ValueTextEquals("delta"u8);
                reader.Read();
                if (isDelta && reader.TokenType == JsonTokenType.StartObject)
                {
                    CollectText(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        return count;
    }

    /// <summary>Appends every string inside a delta that the model generated (not ids, roles or types).</summary>
    private void CollectText(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        var collect = false;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                collect = reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("arguments"u8)
                    || reader.ValueTextEquals("reasoning_content"u8) || reader.ValueTextEquals("refusal"u8)
                    || reader.ValueTextEquals("name"u8);
            }
            else if (reader.TokenType == JsonTokenType.String && collect)
            {
                _generated.Append(ref reader);
                collect = false;
            }
        }
    }
}
