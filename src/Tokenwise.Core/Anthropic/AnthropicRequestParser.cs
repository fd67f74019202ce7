using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.Metering;
using Tokenwise.Pipeline;

namespace Tokenwise.Anthropic;

/// <summary>
/// Reads an Anthropic Messages request body (<c>/v1/messages</c> or <c>/v1/messages/count_tokens</c>)
/// in one forward pass: validates that it is one JSON object and picks out the fields the gateway
/// needs, recording where the model sits so the body can be forwarded with only that value changed.
/// </summary>
public static class AnthropicRequestParser
{
    public const string Dialect = "anthropic";

    public static bool TryParse(ReadOnlyMemory<byte> body, ApiKind api, IReadOnlyList<KeyValuePair<string, string>> dialectHeaders,
        out LlmRequest request, out GatewayError error)
    {
        request = null!;
        error = null!;
        if (JsonUnicode.Problem(body.Span) is { } notText)
        {
            error = InvalidJson(notText);
            return false;
        }

        var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        string? model = null;
        JsonSpan modelValue = default;
        var stream = false;
        long? maxTokens = null;
        long? maxWebSearches = 0;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = InvalidJson("the body is not a JSON object");
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        error = GatewayError.InvalidRequest("model: Input should be a valid string", "invalid_type", "model");
                        return false;
                    }

                    model = reader.GetString();
                    modelValue = new JsonSpan((int)reader.TokenStartIndex, (int)(reader.BytesConsumed - reader.TokenStartIndex));
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    stream = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("max_tokens"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n) && TokenUsage.IsCount(n))
                    {
                        maxTokens = n;
                    }
                }
                else if (reader.ValueTextEquals("tools"u8))
                {
                    reader.Read();
                    maxWebSearches = MaxWebSearches(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = InvalidJson("the body has content after its closing brace");
                return false;
            }
        }
        catch (JsonException e)
        {
            error = InvalidJson(e.Message);
            return false;
        }

        if (RepeatedProperties.Problem(body) is { } repeated)
        {
            error = InvalidJson(repeated);
            return false;
        }

        if (string.IsNullOrEmpty(model))
        {
            error = GatewayError.InvalidRequest("model: Field required", "missing_required_parameter", "model");
            return false;
        }

        request = new LlmRequest
        {
            Api = api,
            Dialect = Dialect,
            Body = body,
            Model = model,
            // count_tokens has no streaming form; a stray "stream" there is the upstream's to judge.
            Stream = stream && api == ApiKind.Messages,
            MaxOutputTokens = maxTokens,
            MaxWebSearches = maxWebSearches,
            DialectHeaders = dialectHeaders,
            ModelValue = modelValue,
            ClosingBrace = body.Span.LastIndexOf((byte)'}'),
        };
        return true;
    }

    /// <summary>
    /// The sum of <c>max_uses</c> over the <c>web_search_*</c> tools of a <c>tools</c> array, or null when one of them sets
    /// no valid <c>max_uses</c> (the provider then bounds its searches by nothing); the reader ends on the array's end.
    /// </summary>
    private static long? MaxWebSearches(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return 0;
        }

        long? total = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            bool webSearch = false;
            long? maxUses = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("type"u8);
                var isMaxUses = reader.ValueTextEquals("max_uses"u8);
                reader.Read();
                if (isType && reader.TokenType == JsonTokenType.String)
                {
                    webSearch = reader.ValueSpan.StartsWith("web_search_"u8);
                }
                else if (isMaxUses && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n) && n > 0)
                {
                    maxUses = Math.Min(n, TokenUsage.MaxCount); // summed over the tools: must not overflow
                }
                else
                {
                    reader.Skip();
                }
            }

            total = webSearch ? total + maxUses : total;
        }

        return total;
    }

    private static GatewayError InvalidJson(string detail) =>
        GatewayError.InvalidRequest($"The request body is not valid JSON ({detail}). It must be one JSON object.", "invalid_json");
}
