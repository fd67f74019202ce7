using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Json;
using Tokenwise.Pipeline;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// A route's ceiling on reasoning: OpenAI's <c>reasoning_effort</c> (chat) or <c>reasoning.effort</c>
/// (Responses) is lowered to <see cref="MaxEffort"/>, Anthropic's <c>thinking.budget_tokens</c> to
/// <see cref="MaxThinkingTokens"/>. A request that asks for less, or none, is left as it is. The cap is
/// applied in the client's dialect, so a translated request carries it to the other provider too.
/// </summary>
public sealed record ReasoningCap(string? MaxEffort, long? MaxThinkingTokens)
{
    /// <summary>OpenAI's efforts, least first.</summary>
    public static readonly IReadOnlyList<string> Efforts = ["minimal", "low", "medium", "high"];

    /// <summary>The capped request, or null when nothing needed capping (the body is then forwarded byte for byte).</summary>
    public LlmRequest? Apply(LlmRequest request, out string? what)
    {
        ArgumentNullException.ThrowIfNull(request);
        what = null;
        if (JsonNode.Parse(request.Body.Span) is not JsonObject root)
        {
            return null;
        }

        if (MaxEffort is { } max)
        {
            var (holder, key) = root["reasoning"] is JsonObject reasoning ? (reasoning, "effort") : (root, "reasoning_effort");
            if (holder[key] is JsonValue value && value.TryGetValue(out string? effort) && Rank(effort) > Rank(max))
            {
                holder[key] = max;
                what = $"reasoning effort {effort} capped to {max}";
            }
        }

        if (MaxThinkingTokens is { } budget && root["thinking"] is JsonObject thinking
            && thinking["budget_tokens"] is JsonValue tokens && tokens.TryGetValue(out long asked) && asked > budget)
        {
            thinking["budget_tokens"] = budget;
            what = (what is null ? "" : what + ", ") + $"thinking budget {asked} capped to {budget}";
        }

        return what is null ? null : RequestBodies.WithBody(request, WireJson.Serialize(root));
    }

    private static int Rank(string? effort)
    {
        for (var i = 0; i < Efforts.Count; i++)
        {
            if (string.Equals(Efforts[i], effort, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
