using System.Security.Cryptography;
using System.Text;

namespace Tokenwise.Access;

/// <summary>Virtual key secrets: 256 random bits, recognisable by their <c>tw-</c> prefix, stored as SHA-256.</summary>
public static class KeySecret
{
    public const string Prefix = "tw-";
    private const int PrefixShown = 10;

    public static string Generate() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>Hex SHA-256: a fast hash is right here, as the secret has 256 bits of entropy (nothing to brute-force).</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string Shown(string secret) => secret[..Math.Min(PrefixShown, secret.Length)];

    public static bool LooksLikeVirtualKey(string? presented) => presented?.StartsWith(Prefix, StringComparison.Ordinal) == true;

    public static string NewId() => "key_" + Base64Url(RandomNumberGenerator.GetBytes(9));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
