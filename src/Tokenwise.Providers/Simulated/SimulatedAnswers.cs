using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;

namespace Tokenwise.Providers.Simulated;

/// <summary>
/// Produces deterministic answers: the same request always gets the same text, and the usage is
/// counted with the model's real tokenizer, as a provider would report it.
/// </summary>
public static class SimulatedAnswers
{
    private static readonly string[] s_sentences =
    [
        "Tokenwise meters every request to the cent.",
        "This answer comes from the simulated provider, so no API key was needed.",
        "Caching repeated questions is the cheapest way to cut a bill.",
        "A smaller model answers most routine questions just as well.",
        "Budgets are reserved before the call and settled after it.",
        "Every token in this sentence was counted with a real tokenizer.",
        "Agents whose context grows every step are where the money goes.",
        "The usage log records latency and time to first token as well.",
    ];

    /// <param name="callTool">Answer with a call of the request's first tool (unless the conversation ends with a tool's result).</param>
    public static SimulatedAnswer Answer(LlmRequest request, string model, SimulatedUsageShape shape, long created, bool callTool = false)
    {
        var hash = XxHash64.HashToUInt64(request.Body.Span);
        var sentences = 2 + (int)(hash % 3);
        var pieces = new List<string>();
        for (var i = 0; i < sentences; i++)
        {
            var sentence = s_sentences[(int)((hash >> (8 * i)) % (ulong)s_sentences.Length)];
            foreach (var word in sentence.Split(' '))
            {
                pieces.Add(pieces.Count == 0 ? word : " " + word);
            }
        }

        var finishReason = "stop";
        SimulatedToolCall? toolCall = null;
        if (request.Api == ApiKind.ChatCompletions && (callTool || request.Body.Span.IndexOf("\"tool\""u8) >= 0))
        {
            using var json = JsonDocument.Parse(request.Body);
            if (LastToolResult(json.RootElement) is { } result)
            {
                // A conversation that ends with a tool's result gets an answer that uses it, as a model's would.
                pieces = [.. $"The tool returned: {result}. That answers your question.".Split(' ').Select((w, i) => i == 0 ? w : " " + w)];
            }
            else if (callTool && FirstFunction(json.RootElement) is { } function)
            {
                var name = function.GetProperty("name").GetString()!;
                var arguments = SimulatedToolArguments.For(function.TryGetProperty("parameters", out var schema) ? schema : default);
                toolCall = new SimulatedToolCall($"call_sim{hash:x12}", name, arguments);
                pieces = [];
                finishReason = "tool_calls";
            }
        }

        var tokenizer = TokenEstimator.ForModel(model);
        if (request.MaxOutputTokens is { } limit)
        {
            // Stop at the limit, as a real model does, and say so.
            while (pieces.Count > 1 && tokenizer.CountTokens(string.Concat(pieces)) > limit)
            {
                pieces.RemoveAt(pieces.Count - 1);
                finishReason = "length";
            }
        }

        var prompt = OpenAIPromptEstimator.Estimate(request, model);
        // As OpenAI bills n choices: the prompt once, each choice's output.
        var choices = request.Api == ApiKind.ChatCompletions ? Math.Max(1, request.Choices) : 1;
        var reasoning = choices * shape.ReasoningTokens;
        var completion = choices * tokenizer.CountTokens(toolCall is null ? string.Concat(pieces) : toolCall.Name + toolCall.Arguments) + reasoning;
        var cached = (long)Math.Floor(prompt * shape.CachedPromptShare);
        // Served at the tier asked for when it is one with prices of its own, as OpenAI answers flex and priority requests.
        var usage = new TokenUsage(prompt, cached, 0, completion, reasoning)
        {
            ServiceTier = request.ServiceTier is "flex" or "priority" ? request.ServiceTier : null,
            AudioInputTokens = (long)Math.Floor((prompt - cached) * shape.AudioShare),
            AudioOutputTokens = (long)Math.Floor((completion - reasoning) * shape.AudioShare),
            // A Responses API request with a web search tool searches twice (as far as its max_tool_calls allows) before answering.
            WebSearchRequests = request.Api == ApiKind.Responses && request.MaxWebSearches != 0 ? Math.Min(2, request.MaxWebSearches ?? 2) : 0,
        };
        return new SimulatedAnswer($"chatcmpl-sim{hash:x16}", created, model, pieces, usage, finishReason, toolCall) { Choices = choices };
    }

    /// <summary>
    /// The roles OpenAI's chat completions take, in the order its error message lists them.
    /// </summary>
    private static readonly string[] s_roles = ["system", "assistant", "user", "function", "tool", "developer"];

    private static readonly string s_supportedRoles =
        string.Join(", ", s_roles[..^1].Select(role => $"'{role}'")) + $", and '{s_roles[^1]}'";

    /// <summary>The chat parameters OpenAI holds to a type and a range; each may also be null (left to its default).</summary>
    private static readonly (string Name, bool Integer, double Min, double Max)[] s_boundedParameters =
    [
        ("temperature", false, 0, 2),
        ("top_p", false, 0, 1),
        ("presence_penalty", false, -2, 2),
        ("frequency_penalty", false, -2, 2),
        ("n", true, 1, 128),
        ("max_tokens", true, 1, double.PositiveInfinity),
        ("max_completion_tokens", true, 1, double.PositiveInfinity),
        ("top_logprobs", true, 0, 20),
    ];

    /// <summary>The chat parameters OpenAI takes only as booleans (or null).</summary>
    private static readonly string[] s_booleanParameters = ["stream", "logprobs", "parallel_tool_calls", "store"];

    /// <summary>
    /// The 400 OpenAI answers a chat request with instead of a completion when it lacks what every one needs: a non-empty
    /// array of messages, each an object with a role OpenAI knows and, but for the assistant's (which may carry only tool
    /// calls), content; or a sampling or length parameter of the wrong type or out of its range. The gateway forwards what
    /// it does not act on untouched, so such a request reaches the provider, and a simulated one refuses it as OpenAI does
    /// rather than answer it.
    /// </summary>
    public static GatewayError? ChatRequestProblem(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        if (!document.RootElement.TryGetProperty("messages", out var messages))
        {
            return Missing("messages");
        }

        if (messages.ValueKind != JsonValueKind.Array)
        {
            return WrongType("messages", "an array of objects", messages);
        }

        if (messages.GetArrayLength() == 0)
        {
            return GatewayError.InvalidRequest(
                "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "empty_array", "messages");
        }

        var index = -1;
        // The tool calls of the latest assistant turn that no tool message has answered yet, while tool messages may follow it.
        var unanswered = new List<string>();
        var toolTurn = -1;
        foreach (var message in messages.EnumerateArray())
        {
            var at = $"messages[{++index}]";
            if (message.ValueKind != JsonValueKind.Object)
            {
                return WrongType(at, "an object", message);
            }

            if (!message.TryGetProperty("role", out var role))
            {
                return Missing(at + ".role");
            }

            if (role.ValueKind != JsonValueKind.String || Array.IndexOf(s_roles, role.GetString()) < 0)
            {
                var value = role.ValueKind == JsonValueKind.String ? role.GetString()! : role.GetRawText();
                return GatewayError.InvalidRequest(
                    $"Invalid value: '{GatewayError.Excerpt(value)}'. Supported values are: {s_supportedRoles}.",
                    "invalid_value", at + ".role");
            }

            if (!role.ValueEquals("assistant") && !message.TryGetProperty("content", out _))
            {
                return Missing(at + ".content");
            }

            if (role.ValueEquals("tool"))
            {
                if (!message.TryGetProperty("tool_call_id", out var callId))
                {
                    return Missing(at + ".tool_call_id");
                }

                if (toolTurn < 0)
                {
                    // OpenAI's own spelling.
                    return GatewayError.InvalidRequest(
                        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", param: $"messages.[{index}].role");
                }

                unanswered.Remove(callId.ValueKind == JsonValueKind.String ? callId.GetString()! : callId.GetRawText());
                continue;
            }

            if (UnansweredCalls(unanswered, toolTurn) is { } unansweredError)
            {
                return unansweredError;
            }

            toolTurn = -1;
            if (role.ValueEquals("assistant") && message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array
                && calls.GetArrayLength() > 0)
            {
                toolTurn = index;
                foreach (var call in calls.EnumerateArray())
                {
                    if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                    {
                        unanswered.Add(id.GetString()!);
                    }
                }
            }
        }

        return UnansweredCalls(unanswered, toolTurn) ?? ParameterProblem(document.RootElement);
    }

    /// <summary>What OpenAI answers an assistant turn of tool calls that the tool messages after it do not all answer.</summary>
    private static GatewayError? UnansweredCalls(List<string> unanswered, int toolTurn) => toolTurn >= 0 && unanswered.Count > 0
        ? GatewayError.InvalidRequest("An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. "
            + $"The following tool_call_ids did not have response messages: {string.Join(", ", unanswered.Select(id => GatewayError.Excerpt(id)))}",
            param: $"messages.[{toolTurn}].role")
        : null;

    /// <summary>What OpenAI answers a parameter of the wrong type or out of its range; null when each is usable.</summary>
    private static GatewayError? ParameterProblem(JsonElement root)
    {
        foreach (var (name, integer, min, max) in s_boundedParameters)
        {
            if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            var kind = integer ? "integer" : "decimal";
            if (value.ValueKind != JsonValueKind.Number || (integer && IsFractional(value)))
            {
                return WrongType(name, integer ? "an integer" : "a decimal", value);
            }

            var number = value.GetDouble();
            if (number < min)
            {
                return GatewayError.InvalidRequest(FormattableString.Invariant(
                    $"Invalid '{name}': {kind} below minimum value. Expected a value >= {min}, but got {value.GetRawText()} instead."), $"{kind}_below_min_value", name);
            }

            if (number > max)
            {
                return GatewayError.InvalidRequest(FormattableString.Invariant(
                    $"Invalid '{name}': {kind} above maximum value. Expected a value <= {max}, but got {value.GetRawText()} instead."), $"{kind}_above_max_value", name);
            }
        }

        foreach (var name in s_booleanParameters)
        {
            if (root.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
            {
                return WrongType(name, "a boolean", value);
            }
        }

        return null;
    }

    /// <summary>Whether a JSON number has a fractional part (1.5, not 2 or 2.0 or 1e3).</summary>
    private static bool IsFractional(JsonElement number) => number.GetDouble() is var value && value != Math.Floor(value);

    /// <summary>
    /// What OpenAI answers a call of a model on an endpoint it does not serve, from the catalog's <c>mode</c> of the model
    /// (<c>chat</c>, <c>responses</c>, <c>completion</c>, <c>embedding</c>); null when the endpoint serves it or the mode is unknown.
    /// </summary>
    public static GatewayError? WrongKindOfModel(ApiKind api, string? mode) => (api, mode) switch
    {
        (ApiKind.ChatCompletions, "embedding" or "completion") => new GatewayError(404, "invalid_request_error", null,
            "This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did you mean to use v1/completions?"),
        (ApiKind.ChatCompletions, "responses") => new GatewayError(404, "invalid_request_error", null,
            "This model is only supported in v1/responses and not in v1/chat/completions."),
        (ApiKind.Embeddings, not (null or "embedding")) => new GatewayError(403, "invalid_request_error", null,
            "You are not allowed to generate embeddings from this model"),
        _ => null,
    };

    private static GatewayError Missing(string param) =>
        GatewayError.InvalidRequest($"Missing required parameter: '{param}'.", "missing_required_parameter", param);

    private static GatewayError WrongType(string param, string expected, JsonElement value) =>
        GatewayError.InvalidRequest($"Invalid type for '{param}': expected {expected}, but got {JsonTypeName(value)} instead.", "invalid_type", param);

    /// <summary>A JSON value's type as OpenAI's error messages name it: a whole number is an integer, any other a number.</summary>
    private static string JsonTypeName(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => IsFractional(value) ? "a number" : "an integer",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "null",
    };

    /// <summary>
    /// The content of the last message when it is a tool's result (<c>role: tool</c>). The gateway forwards requests it
    /// does not need to understand, so any part of one may have any shape here: what is not a tool's text is none.
    /// </summary>
    private static string? LastToolResult(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("messages", out var messages)
            || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            return null;
        }

        var last = messages[messages.GetArrayLength() - 1];
        if (JsonMember.String(last, "role") != "tool" || !last.TryGetProperty("content", out var content))
        {
            return null;
        }

        return content.ValueKind switch
        {
            JsonValueKind.String => content.GetString(),
            JsonValueKind.Array => string.Join(" ", content.EnumerateArray().Select(part => JsonMember.String(part, "text")).OfType<string>()),
            _ => null,
        };
    }

    private static JsonElement? FirstFunction(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array
            && tools.GetArrayLength() > 0 && tools[0].ValueKind == JsonValueKind.Object
            && tools[0].TryGetProperty("function", out var function) && JsonMember.String(function, "name") is not null
            ? function
            : null;

    /// <summary>The largest <c>dimensions</c> an embeddings request may ask for: OpenAI's largest model (text-embedding-3-large) has 3072.</summary>
    public const int MaxEmbeddingDimensions = 3072;

    /// <summary>
    /// The whole embeddings answer in OpenAI's wire format: a deterministic vector per input, of the
    /// requested <c>dimensions</c> (else <paramref name="defaultDimensions"/>), float or base64 as asked,
    /// with the input tokens counted by the model's tokenizer; or, for <c>dimensions</c> no model makes and for an input
    /// missing, empty or in no form OpenAI takes, the 400 OpenAI answers (the gateway forwards both fields untouched, so any
    /// value may come here).
    /// </summary>
    public static (int Status, byte[] Body) EmbeddingsResponse(LlmRequest request, string model, int defaultDimensions)
    {
        using var document = JsonDocument.Parse(request.Body);
        var root = document.RootElement;
        var dimensions = defaultDimensions;
        if (root.TryGetProperty("dimensions", out var asked))
        {
            if (asked.ValueKind != JsonValueKind.Number || !asked.TryGetInt32(out dimensions) || dimensions is < 1 or > MaxEmbeddingDimensions)
            {
                return (400, OpenAIErrorBody.Bytes(GatewayError.InvalidRequest(
                    $"Invalid 'dimensions': {asked.GetRawText()}. Expected a whole number from 1 to {MaxEmbeddingDimensions}.", "invalid_value", "dimensions")));
            }
        }

        if (!root.TryGetProperty("input", out var input))
        {
            return (400, OpenAIErrorBody.Bytes(Missing("input")));
        }

        if (EmbeddingInputs(input, model) is not { } inputs)
        {
            return (400, OpenAIErrorBody.Bytes(new GatewayError(400, "invalid_request_error", null,
                "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.")));
        }

        var base64 = root.TryGetProperty("encoding_format", out var format) && format.ValueKind == JsonValueKind.String && format.ValueEquals("base64");
        var vectors = inputs.Select(i => Embedding(i.Text, dimensions)).ToList();
        var tokens = inputs.Sum(i => i.Tokens);
        return (200, OpenAIWireWriter.Embeddings(model, vectors, tokens, base64));
    }

    /// <summary>A deterministic unit vector per input text (seeded by its hash).</summary>
    private static float[] Embedding(string input, int dimensions)
    {
        var random = new Random((int)XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(input)));
        var vector = new float[dimensions];
        double norm = 0;
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = (float)(random.NextDouble() * 2 - 1);
            norm += vector[i] * vector[i];
        }

        var scale = (float)(1 / Math.Sqrt(norm));
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] *= scale;
        }

        return vector;
    }

    /// <summary>
    /// The inputs of an embeddings request's <c>input</c>, each with its tokens, in the forms OpenAI takes: a string, an array
    /// of strings, an array of token ids (one input), or an array of such arrays; null when it is in no such form (an empty
    /// string or array included), which OpenAI refuses.
    /// </summary>
    private static List<(string Text, long Tokens)>? EmbeddingInputs(JsonElement input, string model)
    {
        if (input.ValueKind == JsonValueKind.String)
        {
            return Text(input) is { } one ? [one] : null;
        }

        if (input.ValueKind != JsonValueKind.Array || input.GetArrayLength() == 0)
        {
            return null;
        }

        if (TokenIds(input) is { } tokenIds)
        {
            return [tokenIds];
        }

        var inputs = new List<(string Text, long Tokens)>(input.GetArrayLength());
        foreach (var item in input.EnumerateArray())
        {
            if ((item.ValueKind == JsonValueKind.String ? Text(item) : TokenIds(item)) is not { } each)
            {
                return null;
            }

            inputs.Add(each);
        }

        return inputs;

        (string, long)? Text(JsonElement text) =>
            text.GetString() is { Length: > 0 } value ? (value, TokenEstimator.Count(model, value)) : null;

        // Token ids are embedded by their JSON text: deterministic, as a string's are.
        static (string, long)? TokenIds(JsonElement array) =>
            array.ValueKind == JsonValueKind.Array && array.GetArrayLength() > 0
                && array.EnumerateArray().All(id => id.ValueKind == JsonValueKind.Number && id.TryGetInt32(out var n) && n >= 0)
                ? (array.GetRawText(), array.GetArrayLength())
                : null;
    }
}
