namespace Tokenwise.Routing.Routes;

/// <summary>A tool call in an answer: the tool's name and its arguments as the model wrote them (JSON, or not).</summary>
public sealed record AnswerToolCall(string Name, string Arguments);
