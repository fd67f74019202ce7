using Tokenwise.Metering;

namespace Tokenwise.Providers.Simulated;

/// <summary>A deterministic answer to a chat request, with the usage a real provider would report for it.</summary>
public sealed record SimulatedAnswer(
    string Id, long Created, string Model, IReadOnlyList<string> Pieces, TokenUsage Usage, string FinishReason, SimulatedToolCall? ToolCall = null)
{
    public string Text => string.Concat(Pieces);
}
