namespace Tokenwise.Testing;

/// <summary>A request as the fake upstream received it.</summary>
/// <param name="Protocol">As the server saw it: <c>HTTP/1.1</c> or <c>HTTP/2</c>.</param>
public sealed record ReceivedRequest(string Path, string Body, IReadOnlyDictionary<string, string> Headers, string Protocol);
