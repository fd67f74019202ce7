using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// A cascade's checks: the cheaper model's whole answer is read before the client sees any of it, and a
/// failed check sends the request on to the next model. Both calls are paid, and both are logged.
/// </summary>
public sealed record CascadePolicy(CascadeChecks Checks, Regex? EscalatePattern = null, double? MinMeanLogprob = null)
{
    public static CascadePolicy Default { get; } = new(CascadeChecks.Default);

    // How answers open when a model declines; checked on the first characters only, so an answer that quotes one later is not taken for a refusal.
    private static readonly string[] s_refusalOpenings =
    [
        "I'm sorry, but I can't", "I’m sorry, but I can’t", "I am sorry, but I cannot", "I'm sorry, I can't", "I can't help with", "I cannot help with",
        "I can't assist with", "I cannot assist with", "I'm unable to help", "I am unable to help", "I can't provide", "I cannot provide",
    ];

    /// <summary>The name of the first check <paramref name="answer"/> fails, or null when it passes them all.</summary>
    public string? FirstFailure(AnswerView answer, CascadeRequest asked)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(asked);
        if (Checks.HasFlag(CascadeChecks.Empty) && string.IsNullOrWhiteSpace(answer.Text) && answer.ToolCalls.Count == 0 && answer.Refusal is null)
        {
            return "empty";
        }

        if (Checks.HasFlag(CascadeChecks.Length) && answer.FinishReason == "length")
        {
            return "length";
        }

        if (Checks.HasFlag(CascadeChecks.Refusal) && (answer.Refusal is not null || answer.FinishReason == "refusal" || OpensWithRefusal(answer.Text)))
        {
            return "refusal";
        }

        if (Checks.HasFlag(CascadeChecks.ToolCall) && answer.ToolCalls.Any(call => !ToolCallFits(call, asked)))
        {
            return "tool_call";
        }

        if (Checks.HasFlag(CascadeChecks.Json) && asked.WantsJson && answer.ToolCalls.Count == 0 && !JsonFits(answer.Text, asked.Schema))
        {
            return "json";
        }

        if (Checks.HasFlag(CascadeChecks.Pattern) && EscalatePattern?.IsMatch(answer.Text) == true)
        {
            return "regex";
        }

        if (Checks.HasFlag(CascadeChecks.Confidence) && MinMeanLogprob is { } floor && answer.MeanLogprob < floor)
        {
            return "logprob";
        }

        return null;
    }

    private static bool OpensWithRefusal(string text)
    {
        var start = text.AsSpan().TrimStart();
        foreach (var opening in s_refusalOpenings)
        {
            if (start.StartsWith(opening, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ToolCallFits(AnswerToolCall call, CascadeRequest asked)
    {
        if (!asked.Tools.TryGetValue(call.Name, out var parameters))
        {
            return false;
        }

        try
        {
            using var arguments = JsonDocument.Parse(call.Arguments.Length == 0 ? "{}" : call.Arguments);
            return arguments.RootElement.ValueKind == JsonValueKind.Object && (parameters is not { } schema || JsonSchemaCheck.Fits(arguments.RootElement, schema));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool JsonFits(string text, JsonElement? schema)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return schema is not { } s || JsonSchemaCheck.Fits(document.RootElement, s);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
