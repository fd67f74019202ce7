namespace Tokenwise.Testing;

/// <summary>One content block: text, thinking (with its signature) or a tool call (whose text is its input JSON).</summary>
public sealed record FakeBlock(string Type, string Text, string? Signature = null, string? ToolId = null, string? ToolName = null);
