namespace Tokenwise.Providers.Simulated;

/// <summary>A function call in a simulated answer; <paramref name="Arguments"/> is a JSON object as text.</summary>
public sealed record SimulatedToolCall(string Id, string Name, string Arguments);
