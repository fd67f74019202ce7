namespace Tokenwise.Storage;

/// <summary>A model call whose request body the usage log kept (<c>server.log_bodies</c>), with what its prompt cache already served.</summary>
public sealed record LoggedRequest(DateTimeOffset StartedAt, string Dialect, string Model, string Body, long CachedInputTokens);
