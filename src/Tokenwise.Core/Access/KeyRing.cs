using System.Collections.Concurrent;

namespace Tokenwise.Access;

/// <summary>
/// The virtual keys, in memory, looked up by hash: authentication never waits on the database. The admin
/// API updates the ring and the store together, so a revoked key is refused on its very next request.
/// </summary>
public sealed class KeyRing
{
    private readonly ConcurrentDictionary<string, VirtualKey> _byHash = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, VirtualKey> _byId = new(StringComparer.Ordinal);

    public int Count => _byId.Count;

    public void Load(IEnumerable<VirtualKey> keys)
    {
        foreach (var key in keys)
        {
            Put(key);
        }
    }

    /// <summary>Adds or replaces a key; a rotated key's old hash stops matching at once.</summary>
    public void Put(VirtualKey key)
    {
        if (_byId.TryGetValue(key.Id, out var previous))
        {
            _byHash.TryRemove(previous.Hash, out _);
        }

        _byId[key.Id] = key;
        _byHash[key.Hash] = key;
    }

    public VirtualKey? FindBySecret(string secret) => _byHash.GetValueOrDefault(KeySecret.Hash(secret));

    public VirtualKey? FindById(string id) => _byId.GetValueOrDefault(id);

    public IReadOnlyList<VirtualKey> All() => [.. _byId.Values.OrderBy(k => k.CreatedAt)];
}
