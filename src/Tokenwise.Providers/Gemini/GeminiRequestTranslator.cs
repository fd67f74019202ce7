using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Pipeline;
using Tokenwise.Providers.Translation;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Gemini;

/// <summary>
/// Translates an OpenAI chat-completions body into a Gemini <c>GenerateContentRequest</c>. Every
/// OpenAI field is either translated, deliberately ignored (<see cref="IgnoredFields"/>), or refused
/// with a 400 that names it: a request must never lose meaning silently on its way to Gemini.
/// docs/translation.md is the table of all of it.
/// </summary>
internal static class GeminiRequestTranslator
{
    /// <summary>
    /// OpenAI fields that change nothing about the answer, so they are dropped on purpose:
    /// <c>model</c> and <c>stream</c> become the URL; <c>stream_options</c> is moot because the
    /// translated stream always carries usage (the endpoint hides it from clients that did not ask);
    /// <c>user</c>, <c>safety_identifier</c>, <c>store</c>, <c>metadata</c>, <c>service_tier</c> and
    /// <c>prompt_cache_key</c> are bookkeeping for OpenAI's own platform, which Gemini has no place for.
    /// </summary>
    public static readonly IReadOnlySet<string> IgnoredFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "model", "stream", "stream_options", "user", "safety_identifier", "store", "metadata", "service_tier", "prompt_cache_key",
    };

    /// <summary>
    /// <c>reasoning_effort</c> → <c>thinkingConfig.thinkingBudget</c>. low/medium/high follow Google's
    /// own OpenAI-compatibility layer (1K/8K/24K); none turns thinking off (models that cannot turn it
    /// off answer 400); minimal is 512, the smallest budget every Gemini 2.5 model accepts.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, int> ThinkingBudgets = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["none"] = 0, ["minimal"] = 512, ["low"] = 1024, ["medium"] = 8192, ["high"] = 24576,
    };

    /// <summary>Returns the Gemini request, or false with a 400 naming the field Gemini cannot express.</summary>
    public static bool TryTranslate(ReadOnlyMemory<byte> openAIBody, out JsonObject gemini, out GatewayError error)
    {
        gemini = null!;
        error = null!;
        try
        {
            if (JsonNode.Parse(openAIBody.Span) is not JsonObject request)
            {
                error = GatewayError.InvalidRequest("The request body must be a JSON object.", "invalid_json");
                return false;
            }

            gemini = Translate(request);
            return true;
        }
        catch (UnsupportedFeature e)
        {
            error = GatewayError.InvalidRequest(e.Message, e.Code, e.Param);
            return false;
        }
        catch (JsonException e)
        {
            error = GatewayError.InvalidRequest($"We could not parse the JSON body of your request ({e.Message}).", "invalid_json");
            return false;
        }
    }

    private static JsonObject Translate(JsonObject request)
    {
        var generation = new JsonObject();
        JsonArray? tools = null;
        JsonObject? toolConfig = null;
        var googleSearch = false;
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
                case "temperature":
                    generation["temperature"] = Number(value, name);
                    break;
                case "top_p":
                    generation["topP"] = Number(value, name);
                    break;
                case "max_tokens" when !request.ContainsKey("max_completion_tokens"):
                case "max_completion_tokens":
                    generation["maxOutputTokens"] = Number(value, name);
                    break;
                case "max_tokens":
                    break; // max_completion_tokens wins, as with OpenAI
                case "n":
                    if (Number(value, name).GetValue<double>() != 1)
                    {
                        throw new UnsupportedFeature(name, "'n' greater than 1 is not supported for Gemini models: the gateway translates one candidate. Send n requests instead.");
                    }

                    break;
                case "seed":
                    generation["seed"] = Number(value, name);
                    break;
                case "presence_penalty":
                    generation["presencePenalty"] = Number(value, name);
                    break;
                case "frequency_penalty":
                    generation["frequencyPenalty"] = Number(value, name);
                    break;
                case "stop":
                    generation["stopSequences"] = OpenAIRequestReader.StopSequences(value);
                    break;
                case "response_format":
                    ResponseFormat(value, generation);
                    break;
                case "reasoning_effort":
                    generation["thinkingConfig"] = new JsonObject { ["thinkingBudget"] = ThinkingBudget(value) };
                    break;
                case "tools":
                    tools = Tools(value);
                    break;
                case "tool_choice":
                    toolConfig = ToolChoice(value);
                    break;
                case "web_search_options":
                    CheckGoogleSearchOptions(value);
                    googleSearch = true;
                    break;
                case "parallel_tool_calls":
                    if (value.GetValueKind() == JsonValueKind.False)
                    {
                        throw new UnsupportedFeature(name, "'parallel_tool_calls': false is not supported for Gemini models, which may always call several functions at once.");
                    }

                    break;
                case "logprobs" or "top_logprobs" or "logit_bias" when IsUnset(value):
                    break;
                default:
                    throw new UnsupportedFeature(name, $"'{name}' is not supported for Gemini models: the gateway cannot express it in Gemini's API.");
            }
        }

        var gemini = new JsonObject();
        var (contents, system) = Messages(request["messages"]);
        gemini["contents"] = contents;
        if (system is not null)
        {
            gemini["systemInstruction"] = system;
        }

        if (googleSearch)
        {
            (tools ??= []).Add(new JsonObject { ["google_search"] = new JsonObject() });
        }

        if (tools is not null)
        {
            gemini["tools"] = tools;
        }

        if (toolConfig is not null)
        {
            gemini["toolConfig"] = toolConfig;
        }

        if (generation.Count > 0)
        {
            gemini["generationConfig"] = generation;
        }

        return gemini;
    }

    private static (JsonArray Contents, JsonObject? System) Messages(JsonNode? messagesNode)
    {
        if (messagesNode is not JsonArray messages || messages.Count == 0)
        {
            throw new UnsupportedFeature("messages", "'messages' must be a non-empty array.", "invalid_value");
        }

        var contents = new JsonArray();
        var systemParts = new JsonArray();
        JsonArray? toolResults = null; // consecutive tool messages answer one model turn together
        for (var i = 0; i < messages.Count; i++)
        {
            var path = $"messages[{i}]";
            if (messages[i] is not JsonObject message)
            {
                throw new UnsupportedFeature(path, $"'{path}' must be an object.", "invalid_value");
            }

            var role = Str(message["role"]);
            foreach (var (field, value) in message)
            {
                // SDKs echo assistant messages back with null fields (refusal, audio, function_call) and empty annotations.
                if (value is null || field is "role" or "content" or "tool_calls" or "tool_call_id" || field == "annotations" && value is JsonArray { Count: 0 })
                {
                    continue;
                }

                throw new UnsupportedFeature($"{path}.{field}", $"'{path}.{field}' is not supported for Gemini models: Gemini has no place for it.");
            }

            if (role != "tool")
            {
                toolResults = null;
            }

            switch (role)
            {
                case "system" or "developer":
                    // Gemini has one system instruction; system messages anywhere in the conversation join it, in order.
                    foreach (var part in ContentParts(message["content"], path, allowMedia: false))
                    {
                        systemParts.Add(part!.DeepClone()); // a node belongs to one parent
                    }

                    break;
                case "user":
                    contents.Add(Content("user", ContentParts(message["content"], path, allowMedia: true)));
                    break;
                case "assistant":
                    var parts = message["content"] is null ? new JsonArray() : ContentParts(message["content"], path, allowMedia: false);
                    foreach (var call in FunctionCalls(message["tool_calls"], path))
                    {
                        parts.Add(call);
                    }

                    if (parts.Count > 0)
                    {
                        contents.Add(Content("model", parts));
                    }

                    break;
                case "tool":
                    if (toolResults is null)
                    {
                        toolResults = new JsonArray();
                        contents.Add(Content("user", toolResults));
                    }

                    toolResults.Add(FunctionResponse(messages, i, message, path));
                    break;
                default:
                    throw new UnsupportedFeature($"{path}.role", $"'{path}.role' must be system, developer, user, assistant or tool for Gemini models, got '{role}'.", "invalid_value");
            }
        }

        return (contents, systemParts.Count == 0 ? null : new JsonObject { ["parts"] = systemParts });
    }

    private static JsonObject Content(string role, JsonArray parts) => new() { ["role"] = role, ["parts"] = parts };

    /// <summary>A message's content: a string, or an array of text, image and file parts.</summary>
    private static JsonArray ContentParts(JsonNode? content, string path, bool allowMedia)
    {
        if (content is null)
        {
            throw new UnsupportedFeature($"{path}.content", $"'{path}.content' is required.", "invalid_value");
        }

        if (content.GetValueKind() == JsonValueKind.String)
        {
            return [new JsonObject { ["text"] = content.GetValue<string>() }];
        }

        if (content is not JsonArray items)
        {
            throw new UnsupportedFeature($"{path}.content", $"'{path}.content' must be a string or an array of parts.", "invalid_value");
        }

        var parts = new JsonArray();
        for (var j = 0; j < items.Count; j++)
        {
            var partPath = $"{path}.content[{j}]";
            var item = items[j] as JsonObject;
            var type = Str(Member(item, "type"));
            switch (type)
            {
                case "text" or "refusal" when Str(item![type]) is { } text:
                    parts.Add(new JsonObject { ["text"] = text });
                    break;
                case "image_url" when allowMedia:
                    parts.Add(ImagePart(item!["image_url"], partPath + ".image_url"));
                    break;
                case "file" when allowMedia:
                    parts.Add(FilePart(item!["file"], partPath + ".file"));
                    break;
                default:
                    throw new UnsupportedFeature($"{partPath}.type", $"'{partPath}.type' '{type}' is not supported here for Gemini models "
                        + (allowMedia ? "(supported: text, image_url, file with file_data)." : "(only text parts are)."));
            }
        }

        return parts;
    }

    /// <summary>
    /// A data: URL travels inline; an http(s) URL becomes a <c>fileData</c> part that Gemini fetches
    /// itself (its MIME type guessed from the extension, since Gemini needs one for most files).
    /// <c>detail</c> is a resolution hint with no per-part equivalent in Gemini, so it is ignored.
    /// </summary>
    private static JsonObject ImagePart(JsonNode? imageUrl, string path)
    {
        var (url, isData) = OpenAIRequestReader.ImageUrl(imageUrl, path);
        if (isData)
        {
            return InlineData(url, path + ".url");
        }

        var uri = new Uri(url);
        var fileData = new JsonObject();
        if (MimeTypeFromExtension(uri.AbsolutePath) is { } mimeType)
        {
            fileData["mimeType"] = mimeType;
        }

        fileData["fileUri"] = url;
        return new JsonObject { ["fileData"] = fileData };
    }

    private static JsonObject FilePart(JsonNode? file, string path)
    {
        if (Str(Member(file, "file_data")) is { } data && data.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return InlineData(data, path + ".file_data");
        }

        throw new UnsupportedFeature(path, $"'{path}' must carry its content as a data: URL in 'file_data' for Gemini models (file ids of OpenAI's Files API mean nothing to Gemini).");
    }

    /// <summary><c>data:image/png;base64,AAAA</c> → <c>{"inlineData":{"mimeType":"image/png","data":"AAAA"}}</c>.</summary>
    private static JsonObject InlineData(string dataUrl, string path)
    {
        var (mimeType, data) = OpenAIRequestReader.Base64DataUrl(dataUrl, path);
        return new JsonObject { ["inlineData"] = new JsonObject { ["mimeType"] = mimeType, ["data"] = data } };
    }

    private static string? MimeTypeFromExtension(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".webp" => "image/webp",
        ".gif" => "image/gif",
        ".heic" => "image/heic",
        ".heif" => "image/heif",
        ".pdf" => "application/pdf",
        _ => null,
    };

    /// <summary>An assistant's tool calls become <c>functionCall</c> parts, their JSON-string arguments parsed back into objects.</summary>
    private static IEnumerable<JsonObject> FunctionCalls(JsonNode? toolCalls, string path)
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
            var name = Str(Member(function, "name"));
            if (Str(Member(calls[j], "type")) is not (null or "function") || name is null)
            {
                throw new UnsupportedFeature(callPath, $"'{callPath}' must be a function call with a name for Gemini models.", "invalid_value");
            }

            yield return new JsonObject
            {
                ["functionCall"] = new JsonObject { ["name"] = name, ["args"] = Arguments(function!["arguments"], callPath + ".function.arguments") },
            };
        }
    }

    private static JsonObject Arguments(JsonNode? arguments, string path)
    {
        var text = Str(arguments);
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        try
        {
            if (JsonNode.Parse(text) is JsonObject args)
            {
                return args;
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }

        throw new UnsupportedFeature(path, $"'{path}' must be a JSON object in a string: Gemini takes function arguments as an object.", "invalid_value");
    }

    /// <summary>
    /// A tool message becomes a <c>functionResponse</c>. Gemini needs the function's name, which the
    /// OpenAI tool message does not carry: it is found from the <c>tool_call_id</c> in the nearest
    /// earlier assistant message (generated ids like <c>call_0</c> repeat across turns, so nearest wins).
    /// The result text is wrapped as <c>{"content": text}</c>, since Gemini takes a JSON object.
    /// </summary>
    private static JsonObject FunctionResponse(JsonArray messages, int index, JsonObject message, string path)
    {
        var id = Str(message["tool_call_id"]);
        if (id is null)
        {
            throw new UnsupportedFeature(path + ".tool_call_id", $"'{path}.tool_call_id' is required.", "invalid_value");
        }

        string? name = null;
        for (var i = index - 1; i >= 0 && name is null; i--)
        {
            if (Str(Member(messages[i], "role")) == "assistant" && Member(messages[i], "tool_calls") is JsonArray calls)
            {
                name = Str(Member(Member(calls.FirstOrDefault(c => Str(Member(c, "id")) == id), "function"), "name"));
            }
        }

        if (name is null)
        {
            throw new UnsupportedFeature(path + ".tool_call_id", $"'{path}.tool_call_id' '{id}' matches no tool call of an earlier assistant message; Gemini needs the function's name.", "invalid_value");
        }

        var text = string.Concat(ContentParts(message["content"], path, allowMedia: false).Select(p => p!["text"]!.GetValue<string>()));
        return new JsonObject
        {
            ["functionResponse"] = new JsonObject { ["name"] = name, ["response"] = new JsonObject { ["content"] = text } },
        };
    }

    /// <summary>
    /// Function tools become one <c>functionDeclarations</c> list. The parameters go in as
    /// <c>parametersJsonSchema</c>, which takes JSON Schema as OpenAI clients write it (Gemini's older
    /// <c>parameters</c> takes an OpenAPI subset and rejects e.g. <c>additionalProperties</c>).
    /// </summary>
    private static JsonArray Tools(JsonNode value)
    {
        if (value is not JsonArray tools)
        {
            throw new UnsupportedFeature("tools", "'tools' must be an array.", "invalid_value");
        }

        var declarations = new JsonArray();
        for (var i = 0; i < tools.Count; i++)
        {
            var path = $"tools[{i}]";
            var function = Member(tools[i], "function") as JsonObject;
            if (Str(Member(tools[i], "type")) != "function" || Str(Member(function, "name")) is null)
            {
                throw new UnsupportedFeature(path + ".type", $"'{path}' must be a function tool with a name for Gemini models (type '{Member(tools[i], "type")}' is not supported).");
            }

            var declaration = new JsonObject { ["name"] = function!["name"]!.DeepClone() };
            if (function["description"] is { } description)
            {
                declaration["description"] = description.DeepClone();
            }

            if (function["parameters"] is JsonObject parameters)
            {
                declaration["parametersJsonSchema"] = parameters.DeepClone();
            }

            // "strict" asks OpenAI to follow the schema exactly; Gemini always validates calls against it.
            declarations.Add(declaration);
        }

        return [new JsonObject { ["functionDeclarations"] = declarations }];
    }

    /// <summary>
    /// Checks <c>web_search_options</c>, which become Gemini's Google Search tool (grounding the answer in search results). Its
    /// <c>search_context_size</c> has no counterpart (Gemini chooses how much it reads, at one price whatever the size), so
    /// it is dropped; a <c>user_location</c> would change the results and Gemini's tool takes none, so it is refused.
    /// </summary>
    private static void CheckGoogleSearchOptions(JsonNode value)
    {
        if (value is not JsonObject options)
        {
            throw new UnsupportedFeature("web_search_options", "'web_search_options' must be an object.", "invalid_value");
        }

        foreach (var (field, option) in options)
        {
            if (option is not null && field != "search_context_size")
            {
                throw new UnsupportedFeature($"web_search_options.{field}",
                    $"'web_search_options.{field}' is not supported for Gemini models: Google Search grounding takes no such option.");
            }
        }
    }

    private static JsonObject ToolChoice(JsonNode value)
    {
        var choice = Str(value);
        var config = new JsonObject();
        switch (choice)
        {
            case "auto":
                config["mode"] = "AUTO";
                break;
            case "none":
                config["mode"] = "NONE";
                break;
            case "required":
                config["mode"] = "ANY";
                break;
            case null when value is JsonObject && Str(value["type"]) == "function" && Str(Member(value["function"], "name")) is not null:
                config["mode"] = "ANY";
                config["allowedFunctionNames"] = new JsonArray(value["function"]!["name"]!.DeepClone());
                break;
            default:
                throw new UnsupportedFeature("tool_choice", "'tool_choice' must be auto, none, required or {\"type\":\"function\",\"function\":{\"name\":...}} for Gemini models.");
        }

        return new JsonObject { ["functionCallingConfig"] = config };
    }

    /// <summary>json_object → JSON mode; json_schema → JSON mode constrained by the schema (as JSON Schema).</summary>
    private static void ResponseFormat(JsonNode value, JsonObject generation)
    {
        switch (value is JsonObject ? Str(value["type"]) : null)
        {
            case "text":
                break;
            case "json_object":
                generation["responseMimeType"] = "application/json";
                break;
            case "json_schema" when (Member(value["json_schema"], "schema")) is JsonObject schema:
                generation["responseMimeType"] = "application/json";
                generation["responseJsonSchema"] = schema.DeepClone();
                break;
            default:
                throw new UnsupportedFeature("response_format", "'response_format' must be text, json_object or json_schema with a schema for Gemini models.");
        }
    }

    private static int ThinkingBudget(JsonNode value)
    {
        var effort = Str(value) ?? "";
        return ThinkingBudgets.TryGetValue(effort, out var budget) ? budget
            : throw new UnsupportedFeature("reasoning_effort", $"'reasoning_effort' must be one of {string.Join(", ", ThinkingBudgets.Keys)}.", "invalid_value");
    }
}
