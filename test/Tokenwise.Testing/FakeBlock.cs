namespace Tokenwise.Testing;

/// <summary>
/// One content block: text (with the web sources it cites, as URLs), thinking (with its signature) or a tool call (whose
/// text is its input JSON).
/// </summary>
public sealed record FakeBlock(string Type, string Text, string? Signature = null, string? ToolId = null, string? ToolName = null,
    IReadOnlyList<string>? CitedUrls = null);
