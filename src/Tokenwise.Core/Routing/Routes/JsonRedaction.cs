using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Json;
using Tokenwise.Pipeline;
using Tokenwise.Sensitivity;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// Redaction applied to a request body's text, and undone in a whole JSON answer: every string value is
/// redacted except those that are never prompt text (ids, roles, types, model names, and the encoded
/// bytes of images and documents, which are random-looking by nature).
/// </summary>
public static class JsonRedaction
{
    private static readonly HashSet<string> s_notText = new(StringComparer.Ordinal)
    {
        "model", "role", "type", "id", "tool_call_id", "tool_use_id", "call_id", "name", "url", "data", "file_data", "media_type",
        "detail", "format", "signature", "tool_choice", "reasoning_effort", "service_tier", "user",
    };

    /// <summary>The request with its findings replaced, or null when nothing was found (the body is then sent as it is).</summary>
    public static LlmRequest? Redact(LlmRequest request, out Redaction redaction)
    {
        ArgumentNullException.ThrowIfNull(request);
        redaction = Redaction.Begin();
        var root = JsonNode.Parse(request.Body.Span);
        var shared = redaction;
        Rewrite(root, null, text => shared.Add(text));
        return redaction.Findings.Count == 0 ? null : RequestBodies.WithBody(request, WireJson.Serialize(root));
    }

    /// <summary>A whole JSON answer with every placeholder put back.</summary>
    public static byte[] Restore(ReadOnlySpan<byte> answer, Redaction redaction)
    {
        ArgumentNullException.ThrowIfNull(redaction);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(answer);
        }
        catch (JsonException)
        {
            return answer.ToArray(); // not JSON: relayed as it came
        }

        Rewrite(root, null, redaction.Restore, skipNonText: false);
        return WireJson.Serialize(root);
    }

    /// <summary>Replaces each string value under <paramref name="node"/> by <paramref name="change"/>'s result.</summary>
    public static void Rewrite(JsonNode? node, string? property, Func<string, string> change, bool skipNonText = true)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o.ToList())
                {
                    if (child is JsonValue value && value.GetValueKind() == JsonValueKind.String)
                    {
                        if (!skipNonText || !s_notText.Contains(name))
                        {
                            var text = value.GetValue<string>();
                            var changed = change(text);
                            if (!ReferenceEquals(changed, text) && changed != text)
                            {
                                o[name] = changed;
                            }
                        }
                    }
                    else
                    {
                        Rewrite(child, name, change, skipNonText);
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
                    {
                        if (!skipNonText || property is null || !s_notText.Contains(property))
                        {
                            var text = value.GetValue<string>();
                            var changed = change(text);
                            if (changed != text)
                            {
                                a[i] = changed;
                            }
                        }
                    }
                    else
                    {
                        Rewrite(a[i], property, change, skipNonText);
                    }
                }

                break;
        }
    }
}
