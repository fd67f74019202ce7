using System.Security.Cryptography;
using System.Text;

namespace Tokenwise.Hosting;

/// <summary>
/// The admin key, held only as its SHA-256 hash and compared in constant time, so neither a memory
/// dump nor timing reveals it.
/// </summary>
public sealed class MasterKey
{
    private readonly byte[]? _hash;

    public MasterKey(string? key)
    {
        _hash = string.IsNullOrEmpty(key) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }

    /// <summary>False when the gateway runs without a key (loopback only, no authentication).</summary>
    public bool IsSet => _hash is not null;

    /// <summary>Whether <paramref name="request"/> may use what the master key guards: any request when none is set.</summary>
    public bool Admits(HttpRequest request) => !IsSet || Matches(ClientKey.From(request));

    public bool Matches(string? presented)
    {
        if (_hash is null || string.IsNullOrEmpty(presented))
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = Encoding.UTF8.GetBytes(presented);
        SHA256.HashData(bytes, hash);
        return CryptographicOperations.FixedTimeEquals(hash, _hash);
    }
}
