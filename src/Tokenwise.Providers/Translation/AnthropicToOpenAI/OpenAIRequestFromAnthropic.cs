using System.Text.Json;
using System.Text.Json.Nodes;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Translation.AnthropicToOpenAI;

/// <summary>
/// Translates an Anthropic Messages body into an OpenAI chat-completions body. Every Anthropic field is
/// translated, deliberately ignored (<see cref="IgnoredFields"/>), or refused with a 400 naming it
/// (<c>top_k</c>, server tools, ...). docs/providers.md has the table.
/// </summary>
internal static class OpenAIRequestFromAnthropic
{
    /// <summary><c>model</c> is the deployment's; <c>cache_control</c> marks (anywhere) are ignored, as OpenAI-format providers cache prefixes on their own.</summary>
    public static readonly IReadOnlySet<string> IgnoredFields = new HashSet<string>(StringComparer.Ordinal) { "model", "cache_control" };

    /// <summary><c>thinking.budget_tokens</c> → <c>reasoning_effort</c>: the effort whose budget (as the OpenAI → Anthropic table maps it) is nearest above.</summary>
    public static string ReasoningEffort(long budgetTokens) => budgetTokens switch
    {
        <= 1024 => "low",
        <= 8192 => "medium",
        _ => "high",
    };

    /// <exception cref="UnsupportedFeature">A field the OpenAI dialect cannot express.</exception>
    public static JsonObject Translate(JsonObject request, string upstreamModel)
    {
        var openai = new JsonObject { ["model"] = upstreamModel };
        var messages = new JsonArray();
        if (request["system"] is { } system)
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = Text(system, "system") });
        }

        Messages(request["messages"], messages);
        openai["messages"] = messages;
        foreach (var (name, value) in request)
        {
            if (IgnoredFields.Contains(name) || value is null)
            {
                continue;
            }

            switch (name)
            {
                case "system" or "messages":
                    break; // above
                case "max_tokens":
                    openai["max_completion_tokens"] = Number(value, name);
                    break;
                case "temperature" or "top_p":
                    openai[name] = Number(value, name);
                    break;
                case "stop_sequences" when value is JsonArray { Count: > 0 } stops && stops.All(s => s?.GetValueKind() == JsonValueKind.String):
                    openai["stop"] = stops.DeepClone();
                    break;
                case "stop_sequences" when value is JsonArray { Count: 0 }:
                    break;
                case "stream":
                    if (value.GetValueKind() == JsonValueKind.True)
                    {
                        openai["stream"] = true;
                        openai["stream_options"] = new JsonObject { ["include_usage"] = true }; // the usage comes only if asked for
                    }

                    break;
                case "metadata" when value is not JsonObject:
                    throw new UnsupportedFeature(name, "metadata: Input should be a valid dictionary", "invalid_type");
                case "metadata":
                    if (Str(value["user_id"]) is { } user)
                    {
                        openai["user"] = user;
                    }

                    break;
                case "thinking":
                    switch (Str(Member(value, "type")))
                    {
                        case "enabled" when Member(value, "budget_tokens") is JsonValue budget && budget.TryGetValue<long>(out var tokens):
                            openai["reasoning_effort"] = ReasoningEffort(tokens);
                            break;
                        case "disabled":
                            break;
                        default:
                            throw new UnsupportedFeature("thinking", "'thinking' must be {\"type\":\"enabled\",\"budget_tokens\":N} or {\"type\":\"disabled\"} for this model.", "invalid_value");
                    }

                    break;
                case "tools":
                    openai["tools"] = Tools(value);
                    break;
                case "tool_choice":
                    ToolChoice(value, openai);
                    break;
                default:
                    throw new UnsupportedFeature(name, $"'{name}' is not supported for this model: its provider speaks the OpenAI API, which cannot express it.");
            }
        }

        return openai;
    }

    /// <summary>
    /// Anthropic messages in OpenAI's shape. A user turn's <c>tool_result</c> blocks become tool messages
    /// first (OpenAI wants them right after the assistant's calls), then its other blocks a user message;
    /// an assistant turn's text joins into <c>content</c> and its <c>tool_use</c> blocks become
    /// <c>tool_calls</c> with the same ids. Thinking blocks of earlier turns are dropped: OpenAI-format
    /// providers cannot take reasoning back (Anthropic itself ignores it outside the last turn).
    /// </summary>
    private static void Messages(JsonNode? messagesNode, JsonArray messages)
    {
        if (messagesNode is not JsonArray input || input.Count == 0)
        {
            throw new UnsupportedFeature("messages", "messages: at least one message is required", "invalid_value");
        }

        for (var i = 0; i < input.Count; i++)
        {
            var path = $"messages.{i}";
            var message = input[i] as JsonObject ?? throw new UnsupportedFeature(path, $"{path}: must be an object", "invalid_value");
            var role = Str(message["role"]);
            var content = message["content"];
            switch (role)
            {
                case "user" when content?.GetValueKind() == JsonValueKind.String:
                    messages.Add(new JsonObject { ["role"] = "user", ["content"] = content.DeepClone() });
                    break;
                case "user":
                    var parts = new JsonArray();
                    foreach (var (block, blockPath) in Blocks(content, path))
                    {
                        if (Str(block["type"]) == "tool_result")
                        {
                            messages.Add(new JsonObject
                            {
                                ["role"] = "tool",
                                ["tool_call_id"] = Str(block["tool_use_id"]) ?? throw new UnsupportedFeature(blockPath + ".tool_use_id", $"{blockPath}.tool_use_id: Field required", "invalid_value"),
                                ["content"] = block["content"] is null ? "" : Text(block["content"]!, blockPath + ".content"),
                            });
                        }
                        else
                        {
                            parts.Add(UserPart(block, blockPath));
                        }
                    }

                    if (parts.Count > 0)
                    {
                        messages.Add(new JsonObject { ["role"] = "user", ["content"] = parts });
                    }

                    break;
                case "assistant":
                    messages.Add(Assistant(content, path));
                    break;
                default:
                    throw new UnsupportedFeature(path + ".role", $"{path}.role: Input should be 'user' or 'assistant'", "invalid_value");
            }
        }
    }

    private static JsonObject Assistant(JsonNode? content, string path)
    {
        if (content?.GetValueKind() == JsonValueKind.String)
        {
            return new JsonObject { ["role"] = "assistant", ["content"] = content.DeepClone() };
        }

        var text = new System.Text.StringBuilder();
        var calls = new JsonArray();
        foreach (var (block, blockPath) in Blocks(content, path))
        {
            switch (Str(block["type"]))
            {
                case "text":
                    text.Append(Str(block["text"]));
                    break;
                case "tool_use":
                    calls.Add(new JsonObject
                    {
                        ["id"] = block["id"]?.DeepClone(),
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = block["name"]?.DeepClone(), ["arguments"] = ToJson(block["input"] ?? new JsonObject()) },
                    });
                    break;
                case "thinking" or "redacted_thinking":
                    break;
                default:
                    throw new UnsupportedFeature(blockPath + ".type", $"{blockPath}.type: '{Str(block["type"])}' blocks in assistant turns cannot be expressed for this model (supported: text, tool_use, thinking).");
            }
        }

        var message = new JsonObject { ["role"] = "assistant", ["content"] = text.Length > 0 || calls.Count == 0 ? text.ToString() : null };
        if (calls.Count > 0)
        {
            message["tool_calls"] = calls;
        }

        return message;
    }

    private static IEnumerable<(JsonObject Block, string Path)> Blocks(JsonNode? content, string path)
    {
        if (content is not JsonArray blocks)
        {
            throw new UnsupportedFeature(path + ".content", $"{path}.content: Input should be a valid string or list of content blocks", "invalid_value");
        }

        for (var j = 0; j < blocks.Count; j++)
        {
            yield return (blocks[j] as JsonObject ?? throw new UnsupportedFeature($"{path}.content.{j}", $"{path}.content.{j}: must be an object", "invalid_value"), $"{path}.content.{j}");
        }
    }

    /// <summary>Text, images (base64 → a data: URL, url → the URL) and PDF documents (→ a <c>file</c> part).</summary>
    private static JsonObject UserPart(JsonObject block, string path)
    {
        var source = block["source"] as JsonObject;
        switch (Str(block["type"]))
        {
            case "text":
                return new JsonObject { ["type"] = "text", ["text"] = block["text"]?.DeepClone() };
            case "image" when Str(Member(source, "type")) == "base64":
                return new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = $"data:{Str(source!["media_type"])};base64,{Str(source["data"])}" } };
            case "image" when Str(Member(source, "type")) == "url":
                return new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = source!["url"]?.DeepClone() } };
            case "document" when Str(Member(source, "type")) == "base64" && Str(source!["media_type"]) == "application/pdf":
                return new JsonObject
                {
                    ["type"] = "file",
                    ["file"] = new JsonObject { ["filename"] = Str(block["title"]) ?? "document.pdf", ["file_data"] = $"data:application/pdf;base64,{Str(source["data"])}" },
                };
            default:
                throw new UnsupportedFeature(path + ".type", $"{path}.type: '{Str(block["type"])}' content cannot be expressed for this model (supported: text, image with a base64 or url source, "
                    + "document with a base64 PDF, tool_result).");
        }
    }

    /// <summary>A string, or text blocks joined (system prompts and tool results); other blocks cannot be expressed there.</summary>
    private static string Text(JsonNode value, string path)
    {
        if (value.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>();
        }

        var text = new System.Text.StringBuilder();
        foreach (var (block, blockPath) in Blocks(value, path.EndsWith(".content", StringComparison.Ordinal) ? path[..^".content".Length] : path))
        {
            if (Str(block["type"]) != "text")
            {
                throw new UnsupportedFeature(blockPath + ".type", $"{blockPath}.type: only text blocks can be expressed here for this model, got '{Str(block["type"])}'.");
            }

            if (text.Length > 0)
            {
                text.Append("\n\n");
            }

            text.Append(Str(block["text"]));
        }

        return text.ToString();
    }

    /// <summary>Custom (client) tools become function tools; Anthropic's server tools (web search, code execution, ...) cannot run elsewhere.</summary>
    private static JsonArray Tools(JsonNode value)
    {
        var tools = value as JsonArray ?? throw new UnsupportedFeature("tools", "tools: Input should be a valid list", "invalid_value");
        var result = new JsonArray();
        for (var i = 0; i < tools.Count; i++)
        {
            var tool = tools[i] as JsonObject;
            if (Str(Member(tool, "type")) is not (null or "custom") || Str(Member(tool, "name")) is null || tool!["input_schema"] is not JsonObject schema)
            {
                throw new UnsupportedFeature($"tools.{i}", $"tools.{i}: only custom tools with a name and an input_schema can be expressed for this model (type '{Str(Member(tool, "type"))}' is an Anthropic server tool).");
            }

            var function = new JsonObject { ["name"] = tool["name"]!.DeepClone() };
            if (tool["description"] is { } description)
            {
                function["description"] = description.DeepClone();
            }

            function["parameters"] = schema.DeepClone();
            result.Add(new JsonObject { ["type"] = "function", ["function"] = function });
        }

        return result;
    }

    private static void ToolChoice(JsonNode value, JsonObject openai)
    {
        openai["tool_choice"] = Str(Member(value, "type")) switch
        {
            "auto" => "auto",
            "any" => "required",
            "none" => "none",
            "tool" when Str(value["name"]) is { } name => new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = name } },
            _ => throw new UnsupportedFeature("tool_choice", "tool_choice: must be auto, any, none or {\"type\":\"tool\",\"name\":...}", "invalid_value"),
        };
        if (value["disable_parallel_tool_use"]?.GetValueKind() == JsonValueKind.True)
        {
            openai["parallel_tool_calls"] = false;
        }
    }
}
