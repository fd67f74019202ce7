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
        var completion = tokenizer.CountTokens(toolCall is null ? string.Concat(pieces) : toolCall.Name + toolCall.Arguments) + shape.ReasoningTokens;
        var cached = (long)Math.Floor(prompt * shape.CachedPromptShare);
        // Served at the tier asked for when it is one with prices of its own, as OpenAI answers flex and priority requests.
        var usage = new TokenUsage(prompt, cached, 0, completion, shape.ReasoningTokens)
        {
            ServiceTier = request.ServiceTier is "flex" or "priority" ? request.ServiceTier : null,
            AudioInputTokens = (long)Math.Floor((prompt - cached) * shape.AudioShare),
            AudioOutputTokens = (long)Math.Floor((completion - shape.ReasoningTokens) * shape.AudioShare),
            // A Responses API request with a web search tool searches twice (as far as its max_tool_calls allows) before answering.
            WebSearchRequests = request.Api == ApiKind.Responses && request.MaxWebSearches != 0 ? Math.Min(2, request.MaxWebSearches ?? 2) : 0,
        };
        return new SimulatedAnswer($"chatcmpl-sim{hash:x16}", created, model, pieces, usage, finishReason, toolCall);
    }

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
    /// with the input tokens counted by the model's tokenizer; or, for <c>dimensions</c> no model makes, the 400
    /// OpenAI answers (the gateway forwards the field untouched, so any value may come here).
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

        var base64 = root.TryGetProperty("encoding_format", out var format) && format.ValueKind == JsonValueKind.String && format.ValueEquals("base64");
        var inputs = EmbeddingInputs(root);
        var vectors = inputs.Select(i => Embedding(i, dimensions)).ToList();
        var tokens = inputs.Sum(i => (long)TokenEstimator.Count(model, i));
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

    /// <summary>The inputs of an embeddings request: a string, or an array of strings (anything else is embedded as its JSON text).</summary>
    private static IReadOnlyList<string> EmbeddingInputs(JsonElement root)
    {
        if (!root.TryGetProperty("input", out var input))
        {
            return [];
        }

        return input.ValueKind == JsonValueKind.Array
            ? input.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()).ToList()
            : [input.ValueKind == JsonValueKind.String ? input.GetString()! : input.GetRawText()];
    }
}
