using Tokenwise.Anthropic;

namespace Tokenwise.Testing;

/// <summary>A message the fake answers with.</summary>
public sealed record FakeMessage(string Id, string Model, IReadOnlyList<FakeBlock> Blocks, string StopReason, AnthropicUsage Usage);
