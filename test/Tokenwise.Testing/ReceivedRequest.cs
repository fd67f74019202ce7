namespace Tokenwise.Testing;

/// <summary>A request as the fake upstream received it.</summary>
public sealed record ReceivedRequest(string Path, string Body, IReadOnlyDictionary<string, string> Headers);
