namespace Tokenwise.Access;

/// <summary>
/// A key the gateway issues to an application. Only its SHA-256 hash is kept; the secret is shown once,
/// when the key is created or rotated.
/// </summary>
public sealed record VirtualKey
{
    /// <summary>Public identifier (<c>key_…</c>), safe to log and to show in reports.</summary>
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Team { get; init; }
    /// <summary>Lower-case hex SHA-256 of the secret.</summary>
    public required string Hash { get; init; }
    /// <summary>The secret's first characters, so people can tell their keys apart.</summary>
    public required string Prefix { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>Client-facing model names the key may use; empty means any.</summary>
    public IReadOnlyList<string> AllowedModels { get; init; } = [];
    public DateTimeOffset? ExpiresAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    public bool IsActive(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);

    public bool Allows(string model) =>
        AllowedModels.Count == 0 || AllowedModels.Contains(model, StringComparer.OrdinalIgnoreCase);
}
