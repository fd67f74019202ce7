using System.Text.Json;
using System.Text.Json.Nodes;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Translation.OpenAIToAnthropic;

/// <summary>
/// Translates an OpenAI chat-completions body into an Anthropic Messages body. Every OpenAI field is
/// translated, deliberately ignored (<see cref="IgnoredFields"/>), or refused with a 400 naming it.
/// docs/providers.md has the table.
/// </summary>
internal static class AnthropicRequestFromOpenAI
{
    /// <summary>Anthropic requires <c>max_tokens</c>; this is sent when neither the client nor the catalog says more.</summary>
    public const long FallbackMaxTokens = 4096;

    /// <summary>
    /// Fields that change nothing about the answer: <c>model</c> is the deployment's; an Anthropic
    /// stream always carries usage, so <c>stream_options</c> is moot (the endpoint hides the usage chunk
    /// from clients that did not ask); the rest is bookkeeping for OpenAI's own platform.
    /// </summary>
    public static readonly IReadOnlySet<string> IgnoredFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "model", "stream_options", "store", "metadata", "service_tier", "prompt_cache_key", "safety_identifier",
    };

    /// <summary>
    /// <c>reasoning_effort</c> → <c>thinking.budget_tokens</c>: 1024 is Anthropic's smallest budget;
    /// the others follow Gemini's table so one effort means about the same on every provider.
    /// <c>none</c> sends no thinking at all.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, int> ThinkingBudgets = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["minimal"] = 1024, ["low"] = 1024, ["medium"] = 8192, ["high"] = 24576,
    };

    /// <summary>Anthropic's web search tool, the version every Claude model that searches takes.</summary>
    public const string AnthropicWebSearchToolType = "web_search_20250305";

    /// <summary>What a JSON-mode request asks of Claude, which has no JSON mode of its own in the Messages API.</summary>
    public const string JsonModeInstruction = "Respond with a single valid JSON object and nothing else: no prose, no code fences.";

    /// <exception cref="UnsupportedFeature">A field Anthropic's API cannot express.</exception>
    public static JsonObject Translate(JsonObject request, string upstreamModel, long? catalogMaxOutputTokens)
    {
        var anthropic = new JsonObject { ["model"] = upstreamModel };
        var system = new JsonArray();
        JsonNode? maxTokens = null;
        JsonArray? tools = null;
        JsonObject? webSearch = null;
        JsonObject? toolChoice = null;
        var disableParallel = false;
        string? jsonInstruction = null;
        var extra = new JsonObject();
        foreach (var (name, value) in request)
        {
            if (IgnoredFields.Contains(name) || value is null)
            {
                continue;
            }

            switch (name)
            {
                case "messages":
                    break; // below, once the whole request is known
                case "stream":
                    if (value.GetValueKind() == JsonValueKind.True)
                    {
                        extra["stream"] = true;
                    }

                    break;
                case "max_completion_tokens":
                    maxTokens = Number(value, name);
                    break;
                case "max_tokens":
                    maxTokens ??= Number(value, name); // max_completion_tokens wins, as with OpenAI
                    break;
                case "temperature" or "top_p":
                    extra[name] = Number(value, name);
                    break;
                case "stop":
                    extra["stop_sequences"] = OpenAIRequestReader.StopSequences(value);
                    break;
                case "n":
                    if (Number(value, name).GetValue<double>() != 1)
                    {
                        throw new UnsupportedFeature(name, "'n' greater than 1 is not supported for Anthropic models, which give one answer per request. Send n requests instead.");
                    }

                    break;
                case "user":
                    extra["metadata"] = new JsonObject { ["user_id"] = value.DeepClone() };
                    break;
                case "reasoning_effort":
                    var effort = Str(value) ?? "";
                    if (effort != "none")
                    {
                        extra["thinking"] = new JsonObject
                        {
                            ["type"] = "enabled",
                            ["budget_tokens"] = ThinkingBudgets.TryGetValue(effort, out var budget) ? budget
                                : throw new UnsupportedFeature(name, $"'reasoning_effort' must be none or one of {string.Join(", ", ThinkingBudgets.Keys)}.", "invalid_value"),
                        };
                    }

                    break;
                case "response_format":
                    jsonInstruction = ResponseFormat(value);
                    break;
                case "tools":
                    tools = Tools(value);
                    break;
                case "tool_choice":
                    toolChoice = ToolChoice(value);
                    break;
                case "web_search_options":
                    webSearch = WebSearchTool(value);
                    break;
                case "parallel_tool_calls":
                    disableParallel = value.GetValueKind() == JsonValueKind.False;
                    break;
                case "logprobs" or "top_logprobs" or "logit_bias" or "seed" or "presence_penalty" or "frequency_penalty" when IsUnset(value):
                    break;
                default:
                    throw new UnsupportedFeature(name, $"'{name}' is not supported for Anthropic models: the gateway cannot express it in Anthropic's Messages API.");
            }
        }

        var messages = Messages(request["messages"], system);
        if (jsonInstruction is not null)
        {
            system.Add(new JsonObject { ["type"] = "text", ["text"] = jsonInstruction });
        }

        // Anthropic requires max_tokens; an OpenAI client may leave it out, meaning "as long as the model allows".
        anthropic["max_tokens"] = maxTokens ?? catalogMaxOutputTokens ?? FallbackMaxTokens;
        if (system.Count > 0)
        {
            anthropic["system"] = system;
        }

        anthropic["messages"] = messages;
        if (webSearch is not null)
        {
            (tools ??= []).Add(webSearch);
        }

        if (tools is not null)
        {
            anthropic["tools"] = tools;
        }

        if (disableParallel)
        {
            toolChoice ??= new JsonObject { ["type"] = "auto" };
            toolChoice["disable_parallel_tool_use"] = true;
        }

        if (toolChoice is not null)
        {
            anthropic["tool_choice"] = toolChoice;
        }

        foreach (var (name, value) in extra)
        {
            anthropic[name] = value!.DeepClone();
        }

        return anthropic;
    }

    /// <summary>
    /// Messages in Anthropic's shape. System and developer messages, wherever they stand, join the one
    /// system prompt in order; tool messages become <c>tool_result</c> blocks of a user turn
    /// (consecutive ones share it, Anthropic's answer to parallel calls).
    /// </summary>
    private static JsonArray Messages(JsonNode? messagesNode, JsonArray system)
    {
        if (messagesNode is not JsonArray messages || messages.Count == 0)
        {
            throw new UnsupportedFeature("messages", "'messages' must be a non-empty array.", "invalid_value");
        }

        var result = new JsonArray();
        JsonArray? toolResults = null;
        for (var i = 0; i < messages.Count; i++)
        {
            var path = $"messages[{i}]";
            if (messages[i] is not JsonObject message)
            {
                throw new UnsupportedFeature(path, $"'{path}' must be an object.", "invalid_value");
            }

            foreach (var (field, value) in message)
            {
                // SDKs echo assistant messages back with null fields (refusal, audio, function_call) and empty annotations.
                if (value is null || field is "role" or "content" or "tool_calls" or "tool_call_id" || field == "annotations" && value is JsonArray { Count: 0 })
                {
                    continue;
                }

                throw new UnsupportedFeature($"{path}.{field}", $"'{path}.{field}' is not supported for Anthropic models: Anthropic's messages have no place for it.");
            }

            var role = Str(message["role"]);
            if (role != "tool")
            {
                toolResults = null;
            }

            switch (role)
            {
                case "system" or "developer":
                    foreach (var block in Blocks(message["content"], path, allowMedia: false))
                    {
                        system.Add(block!.DeepClone()); // a node belongs to one parent
                    }

                    break;
                case "user":
                    result.Add(new JsonObject { ["role"] = "user", ["content"] = Content(message["content"], path) });
                    break;
                case "assistant":
                    var blocks = message["content"] is null ? new JsonArray() : Blocks(message["content"], path, allowMedia: false);
                    foreach (var call in ToolUses(message["tool_calls"], path))
                    {
                        blocks.Add(call);
                    }

                    if (blocks.Count > 0)
                    {
                        result.Add(new JsonObject { ["role"] = "assistant", ["content"] = blocks });
                    }

                    break;
                case "tool":
                    if (toolResults is null)
                    {
                        toolResults = new JsonArray();
                        result.Add(new JsonObject { ["role"] = "user", ["content"] = toolResults });
                    }

                    toolResults.Add(new JsonObject
                    {
                        ["type"] = "tool_result",
                        ["tool_use_id"] = Str(message["tool_call_id"]) ?? throw new UnsupportedFeature(path + ".tool_call_id", $"'{path}.tool_call_id' is required.", "invalid_value"),
                        ["content"] = Content(message["content"], path),
                    });
                    break;
                default:
                    throw new UnsupportedFeature($"{path}.role", $"'{path}.role' must be system, developer, user, assistant or tool, got '{role}'.", "invalid_value");
            }
        }

        if (result.Count == 0)
        {
            throw new UnsupportedFeature("messages", "'messages' must hold at least one user message for Anthropic models; system messages alone are not a conversation.", "invalid_value");
        }

        return result;
    }

    /// <summary>A string stays a string (Anthropic takes one); parts become blocks.</summary>
    private static JsonNode Content(JsonNode? content, string path) =>
        content?.GetValueKind() == JsonValueKind.String ? content.DeepClone() : Blocks(content, path, allowMedia: true);

    private static JsonArray Blocks(JsonNode? content, string path, bool allowMedia)
    {
        if (content?.GetValueKind() == JsonValueKind.String)
        {
            return [new JsonObject { ["type"] = "text", ["text"] = content.DeepClone() }];
        }

        if (content is not JsonArray parts)
        {
            throw new UnsupportedFeature($"{path}.content", $"'{path}.content' must be a string or an array of parts.", "invalid_value");
        }

        var blocks = new JsonArray();
        for (var j = 0; j < parts.Count; j++)
        {
            var partPath = $"{path}.content[{j}]";
            var part = parts[j] as JsonObject;
            var type = Str(Member(part, "type"));
            switch (type)
            {
                case "text" or "refusal" when Str(part![type]) is { } text:
                    blocks.Add(new JsonObject { ["type"] = "text", ["text"] = text });
                    break;
                case "image_url" when allowMedia:
                    blocks.Add(Image(part!["image_url"], partPath + ".image_url"));
                    break;
                case "file" when allowMedia:
                    blocks.Add(Document(part!["file"], partPath + ".file"));
                    break;
                default:
                    throw new UnsupportedFeature($"{partPath}.type", $"'{partPath}.type' '{type}' is not supported here for Anthropic models "
                        + (allowMedia ? "(supported: text, image_url, file with a PDF in file_data)." : "(only text parts are)."));
            }
        }

        return blocks;
    }

    /// <summary>
    /// A data: URL becomes a base64 source, an http(s) URL a url source (Anthropic fetches it).
    /// <c>detail</c> is a resolution hint Anthropic has no equivalent for, so it is ignored.
    /// </summary>
    private static JsonObject Image(JsonNode? imageUrl, string path)
    {
        var (url, isData) = OpenAIRequestReader.ImageUrl(imageUrl, path);
        return new JsonObject
        {
            ["type"] = "image",
            ["source"] = isData ? Base64Source(url, path + ".url") : new JsonObject { ["type"] = "url", ["url"] = url },
        };
    }

    private static JsonObject Document(JsonNode? file, string path)
    {
        if (Str(Member(file, "file_data")) is { } data && data.StartsWith("data:application/pdf;", StringComparison.OrdinalIgnoreCase))
        {
            return new JsonObject { ["type"] = "document", ["source"] = Base64Source(data, path + ".file_data") };
        }

        throw new UnsupportedFeature(path, $"'{path}' must carry a PDF as a data: URL in 'file_data' for Anthropic models (file ids of OpenAI's Files API mean nothing to Anthropic).");
    }

    /// <summary><c>data:image/png;base64,AAAA</c> → <c>{"type":"base64","media_type":"image/png","data":"AAAA"}</c>.</summary>
    private static JsonObject Base64Source(string dataUrl, string path)
    {
        var (mediaType, data) = OpenAIRequestReader.Base64DataUrl(dataUrl, path);
        return new JsonObject { ["type"] = "base64", ["media_type"] = mediaType, ["data"] = data };
    }

    /// <summary>An assistant's tool calls become <c>tool_use</c> blocks with the same ids, their JSON-string arguments parsed.</summary>
    private static IEnumerable<JsonObject> ToolUses(JsonNode? toolCalls, string path)
    {
        if (toolCalls is null)
        {
            yield break;
        }

        if (toolCalls is not JsonArray calls)
        {
            throw new UnsupportedFeature(path + ".tool_calls", $"'{path}.tool_calls' must be an array.", "invalid_value");
        }

        for (var j = 0; j < calls.Count; j++)
        {
            var callPath = $"{path}.tool_calls[{j}]";
            var function = Member(calls[j], "function");
            var id = Str(Member(calls[j], "id"));
            var name = Str(Member(function, "name"));
            if (Str(Member(calls[j], "type")) is not (null or "function") || id is null || name is null)
            {
                throw new UnsupportedFeature(callPath, $"'{callPath}' must be a function call with an id and a name for Anthropic models.", "invalid_value");
            }

            yield return new JsonObject
            {
                ["type"] = "tool_use",
                ["id"] = id,
                ["name"] = name,
                ["input"] = ParseArguments(Str(function!["arguments"]), callPath + ".function.arguments"),
            };
        }
    }

    /// <summary>Function tools become Anthropic tools; <c>strict</c> is dropped (Anthropic validates inputs against the schema anyway).</summary>
    private static JsonArray Tools(JsonNode value)
    {
        if (value is not JsonArray tools)
        {
            throw new UnsupportedFeature("tools", "'tools' must be an array.", "invalid_value");
        }

        var result = new JsonArray();
        for (var i = 0; i < tools.Count; i++)
        {
            var function = Member(tools[i], "function") as JsonObject;
            if (Str(Member(tools[i], "type")) != "function" || Str(Member(function, "name")) is null)
            {
                throw new UnsupportedFeature($"tools[{i}].type", $"'tools[{i}]' must be a function tool with a name for Anthropic models (type '{Member(tools[i], "type")}' is not supported).");
            }

            var tool = new JsonObject { ["name"] = function!["name"]!.DeepClone() };
            if (function["description"] is { } description)
            {
                tool["description"] = description.DeepClone();
            }

            // Anthropic requires a schema; a function without parameters takes an empty object.
            tool["input_schema"] = function["parameters"] is JsonObject parameters ? parameters.DeepClone() : new JsonObject { ["type"] = "object" };
            result.Add(tool);
        }

        return result;
    }

    /// <summary>
    /// <c>web_search_options</c> → Anthropic's web search tool, with <c>max_uses: 1</c>: one search before the answer, as
    /// OpenAI's Chat Completions search models run (and as a budget reserves it). Claude prices a search alike at every
    /// size, so <c>search_context_size</c> is dropped; <c>user_location</c> is the tool's own, its fields one level up.
    /// </summary>
    private static JsonObject WebSearchTool(JsonNode value)
    {
        if (value is not JsonObject options)
        {
            throw new UnsupportedFeature("web_search_options", "'web_search_options' must be an object.", "invalid_value");
        }

        var tool = new JsonObject { ["type"] = AnthropicWebSearchToolType, ["name"] = "web_search", ["max_uses"] = 1 };
        foreach (var (field, option) in options)
        {
            switch (field)
            {
                case "search_context_size":
                case "user_location" when option is null:
                    break;
                case "user_location":
                    tool["user_location"] = UserLocation(option);
                    break;
                default:
                    throw new UnsupportedFeature($"web_search_options.{field}", $"'web_search_options.{field}' is not supported for Anthropic models.");
            }
        }

        return tool;
    }

    /// <summary>OpenAI's <c>{type: approximate, approximate: {city, region, country, timezone}}</c> → the web search tool's flat one.</summary>
    private static JsonObject UserLocation(JsonNode option)
    {
        if (Member(option, "approximate") is not JsonObject approximate || Str(Member(option, "type")) is not (null or "approximate"))
        {
            throw new UnsupportedFeature("web_search_options.user_location",
                "'web_search_options.user_location' must be {\"type\":\"approximate\",\"approximate\":{...}}.", "invalid_value");
        }

        var location = new JsonObject { ["type"] = "approximate" };
        foreach (var (part, text) in approximate.Where(p => p.Value is not null))
        {
            location[part] = part is "city" or "region" or "country" or "timezone" && text is JsonValue
                ? text.DeepClone()
                : throw new UnsupportedFeature($"web_search_options.user_location.approximate.{part}",
                    $"'web_search_options.user_location.approximate.{part}' is not supported for Anthropic models: the web search tool takes city, region, country and timezone.");
        }

        return location;
    }

    private static JsonObject ToolChoice(JsonNode value) => Str(value) switch
    {
        "auto" => new JsonObject { ["type"] = "auto" },
        "none" => new JsonObject { ["type"] = "none" },
        "required" => new JsonObject { ["type"] = "any" },
        null when value is JsonObject && Str(value["type"]) == "function" && Str(Member(value["function"], "name")) is { } name =>
            new JsonObject { ["type"] = "tool", ["name"] = name },
        _ => throw new UnsupportedFeature("tool_choice", "'tool_choice' must be auto, none, required or {\"type\":\"function\",\"function\":{\"name\":...}} for Anthropic models."),
    };

    /// <summary>
    /// <c>text</c> asks nothing; <c>json_object</c> becomes an instruction in the system prompt (Claude
    /// follows it reliably, and the client's own prompt must ask for JSON anyway, as OpenAI requires);
    /// <c>json_schema</c> is refused, since an instruction cannot guarantee a schema.
    /// </summary>
    private static string? ResponseFormat(JsonNode value) => (value is JsonObject ? Str(value["type"]) : null) switch
    {
        "text" => null,
        "json_object" => JsonModeInstruction,
        "json_schema" => throw new UnsupportedFeature("response_format", "'response_format' json_schema is not supported for Anthropic models: the gateway cannot guarantee a schema there. "
            + "Use a tool with that schema and tool_choice naming it, or json_object."),
        _ => throw new UnsupportedFeature("response_format", "'response_format' must be text, json_object or json_schema.", "invalid_value"),
    };
}
