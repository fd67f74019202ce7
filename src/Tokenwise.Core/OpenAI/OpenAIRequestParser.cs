using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.Metering;
using Tokenwise.Pipeline;

namespace Tokenwise.OpenAI;

/// <summary>
/// Reads an OpenAI-dialect request body in one forward pass with <see cref="Utf8JsonReader"/>:
/// validates that it is one JSON object and picks out the fields the gateway needs, recording where
/// they sit so the body can be forwarded with only those bytes changed.
/// </summary>
public static class OpenAIRequestParser
{
    public const string Dialect = "openai";

    public static bool TryParse(ReadOnlyMemory<byte> body, ApiKind api, out LlmRequest request, out GatewayError error)
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
        JsonSpan? streamOptionsValue = null;
        bool stream = false, includeUsage = false;
        long? maxOutput = null;
        var choices = 1;
        string? serviceTier = null, searchContextSize = null;
        bool webSearchTool = false, webSearchOptions = false;
        long? maxToolCalls = null;
        Dictionary<string, string>? metadata = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = GatewayError.InvalidRequest("The request body must be a JSON object.", "invalid_json");
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        error = GatewayError.InvalidRequest("'model' must be a string.", "invalid_type", "model");
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
                else if (reader.ValueTextEquals("stream_options"u8))
                {
                    reader.Read();
                    var start = (int)reader.TokenStartIndex;
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        includeUsage = ReadIncludeUsage(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }

                    streamOptionsValue = new JsonSpan(start, (int)reader.BytesConsumed - start);
                }
                else if (reader.ValueTextEquals("max_completion_tokens"u8) || reader.ValueTextEquals("max_output_tokens"u8) || reader.ValueTextEquals("max_tokens"u8))
                {
                    // max_output_tokens is the Responses API's name; max_completion_tokens replaced max_tokens in chat.
                    var isCompletionTokens = !reader.ValueTextEquals("max_tokens"u8);
                    reader.Read();
                    // A bound outside 0..MaxCount is none the gateway can reserve by (a provider refuses it): the model's own limit is.
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n) && TokenUsage.IsCount(n) && (isCompletionTokens || maxOutput is null))
                    {
                        maxOutput = n;
                    }
                }
                else if (reader.ValueTextEquals("n"u8))
                {
                    // Chat completions' n: that many answers, each up to the output bound.
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var count) && count > 1)
                    {
                        choices = count;
                    }
                }
                else if (reader.ValueTextEquals("metadata"u8))
                {
                    reader.Read();
                    metadata = ReadMetadata(ref reader);
                }
                else if (reader.ValueTextEquals("service_tier"u8))
                {
                    serviceTier = ServiceTiers.Read(ref reader);
                }
                else if (reader.ValueTextEquals("web_search_options"u8))
                {
                    reader.Read();
                    webSearchOptions = reader.TokenType == JsonTokenType.StartObject;
                    searchContextSize = SearchContextSizes.ReadOptions(ref reader);
                }
                else if (api == ApiKind.Responses && reader.ValueTextEquals("tools"u8))
                {
                    reader.Read();
                    (webSearchTool, searchContextSize) = ReadWebSearchTool(ref reader);
                }
                else if (api == ApiKind.Responses && reader.ValueTextEquals("max_tool_calls"u8))
                {
                    // The Responses API's bound on the built-in tool calls of a response, web searches among them.
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n) && TokenUsage.IsCount(n))
                    {
                        maxToolCalls = n;
                    }
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
            error = GatewayError.InvalidRequest("You must provide a model parameter.", "missing_required_parameter", "model");
            return false;
        }

        request = new LlmRequest
        {
            Api = api,
            Dialect = Dialect,
            Body = body,
            Model = model,
            Stream = stream && api is ApiKind.ChatCompletions or ApiKind.Responses,
            ClientRequestedUsage = includeUsage,
            MaxOutputTokens = maxOutput,
            Choices = choices,
            ServiceTier = serviceTier,
            SearchContextSize = searchContextSize,
            MaxWebSearches = webSearchTool ? maxToolCalls : 0,
            WebSearchOptions = webSearchOptions && api == ApiKind.ChatCompletions,
            Metadata = metadata,
            ModelValue = modelValue,
            StreamOptionsValue = streamOptionsValue,
            ClosingBrace = LastBrace(body.Span),
        };
        return true;
    }

    private static bool ReadIncludeUsage(ref Utf8JsonReader reader)
    {
        var includeUsage = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (isIncludeUsage)
            {
                includeUsage = reader.TokenType == JsonTokenType.True;
            }

            reader.Skip();
        }

        return includeUsage;
    }

    /// <summary>The string values of OpenAI's <c>metadata</c> object (other values are not tags and are left alone).</summary>
    private static Dictionary<string, string>? ReadMetadata(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.String)
            {
                metadata[name] = reader.GetString()!;
            }
            else
            {
                reader.Skip();
            }
        }

        return metadata.Count == 0 ? null : metadata;
    }

    /// <summary>
    /// Whether a Responses API <c>tools</c> array has a web search tool (<c>web_search</c>, <c>web_search_preview</c> and their
    /// dated versions), and the <c>search_context_size</c> it asks for; the reader ends on the array's end.
    /// </summary>
    private static (bool WebSearch, string? Size) ReadWebSearchTool(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return (false, null);
        }

        bool found = false;
        string? foundSize = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            var webSearch = false;
            string? size = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    webSearch = reader.TokenType == JsonTokenType.String && reader.ValueSpan.StartsWith("web_search"u8);
                    reader.Skip(); // a value that is no string may be an object or array
                }
                else if (reader.ValueTextEquals("search_context_size"u8))
                {
                    reader.Read();
                    size = SearchContextSizes.Read(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (webSearch && !found)
            {
                (found, foundSize) = (true, size);
            }
        }

        return (found, foundSize);
    }

    private static int LastBrace(ReadOnlySpan<byte> body) => body.LastIndexOf((byte)'}');

    private static GatewayError InvalidJson(string detail) => GatewayError.InvalidRequest(
        $"We could not parse the JSON body of your request ({detail}). The body must be a valid JSON object.", "invalid_json");
}
