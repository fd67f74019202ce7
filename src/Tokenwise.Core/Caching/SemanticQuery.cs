using System.Text;
using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.Pipeline;

namespace Tokenwise.Caching;

/// <summary>
/// What the semantic cache compares: the latest user turn's text (<see cref="Question"/>), and the
/// <see cref="Scope"/> it may only be compared within — a hash of everything else the answer depends on
/// (see <see cref="ExactCacheKey.ComputeScope"/>): tenant, API, dialect, provider, resolved model, system
/// prompt, tools, every parameter, the earlier turns, even the latest turn's other fields. Two requests
/// whose scopes differ never share an entry, however similar their questions.
/// </summary>
public sealed record SemanticQuery(string Scope, string Question)
{
    /// <summary>
    /// The query of a chat (OpenAI) or messages (Anthropic) request whose last message is a user turn made
    /// of text only. Anything else — a tool result, an image, an assistant prefill, an empty question — is
    /// left to the exact cache: paraphrase matching means nothing there.
    /// </summary>
    public static bool TryCreate(string tenantNamespace, ModelDeployment deployment, LlmRequest request, out SemanticQuery query)
    {
        query = null!;
        if (request.Api is not (ApiKind.ChatCompletions or ApiKind.Messages) || !TryFindQuestion(request.Body.Span, out var content, out var question))
        {
            return false;
        }

        query = new SemanticQuery(ExactCacheKey.ComputeScope(tenantNamespace, deployment, request, content), question);
        return true;
    }

    /// <summary>The last message's <c>content</c> value, when that message is a user turn of text only, and its text.</summary>
    internal static bool TryFindQuestion(ReadOnlySpan<byte> body, out JsonSpan content, out string question)
    {
        content = default;
        question = "";
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        JsonSpan? last = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMessages = reader.ValueTextEquals("messages"u8);
            reader.Read();
            if (isMessages && reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    last = new JsonSpan(start, (int)reader.BytesConsumed - start);
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return last is { } message && TryReadUserText(body, message, out content, out question);
    }

    private static bool TryReadUserText(ReadOnlySpan<byte> body, JsonSpan message, out JsonSpan content, out string question)
    {
        content = default;
        question = "";
        var reader = new Utf8JsonReader(body[message.Start..message.End]);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var isUser = false;
        string? text = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("role"u8))
            {
                reader.Read();
                isUser = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("user"u8);
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                text = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.StartArray => ReadTextParts(ref reader),
                    _ => null,
                };
                if (text is null)
                {
                    return false; // the reader may have stopped inside the content: read no further
                }

                content = new JsonSpan(message.Start + start, (int)reader.BytesConsumed - start);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        question = text?.Trim() ?? "";
        return isUser && question.Length > 0;
    }

    /// <summary>The text of an array of <c>{"type":"text","text":...}</c> parts (both dialects' shape); null when any part is something else.</summary>
    private static string? ReadTextParts(ref Utf8JsonReader reader)
    {
        var text = new StringBuilder();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? type = null, part = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "type" when reader.TokenType == JsonTokenType.String:
                        type = reader.GetString();
                        break;
                    case "text" when reader.TokenType == JsonTokenType.String:
                        part = reader.GetString();
                        break;
                    case "cache_control": // Anthropic's prompt-caching mark changes the price, not the answer
                        reader.Skip();
                        break;
                    default:
                        return null;
                }
            }

            if (type != "text" || part is null)
            {
                return null;
            }

            text.Append(text.Length > 0 ? "\n" : "").Append(part);
        }

        return text.ToString();
    }
}
