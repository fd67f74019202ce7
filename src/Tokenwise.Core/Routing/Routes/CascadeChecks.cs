namespace Tokenwise.Routing.Routes;

/// <summary>What a cascade checks in a cheaper model's answer; a failed check escalates the request to the next model.</summary>
[Flags]
public enum CascadeChecks
{
    None = 0,
    /// <summary>JSON was asked for (<c>response_format</c>) and the answer is not JSON, or does not fit the schema asked for.</summary>
    Json = 1,
    /// <summary>A tool call names no tool the request offered, or its arguments are not a JSON object that fits the tool's parameters.</summary>
    ToolCall = 2,
    /// <summary>The model refused (a <c>refusal</c>, Anthropic's <c>refusal</c> stop reason, or an answer that opens with a refusal).</summary>
    Refusal = 4,
    /// <summary>No text and no tool call.</summary>
    Empty = 8,
    /// <summary>The answer was cut off at the output limit (<c>finish_reason: length</c>, <c>stop_reason: max_tokens</c>).</summary>
    Length = 16,
    /// <summary>The answer matches the route's <c>escalate_pattern</c>.</summary>
    Pattern = 32,
    /// <summary>The mean token log-probability is under the route's <c>min_mean_logprob</c> (when the answer carries log-probabilities).</summary>
    Confidence = 64,
    Default = Json | ToolCall | Refusal | Empty | Length,
}
