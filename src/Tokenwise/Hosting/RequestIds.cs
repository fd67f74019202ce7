using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Tokenwise.Hosting;

/// <summary>Request ids: time-ordered (UUIDv7) so the log sorts by id as it does by time.</summary>
/// <remarks>
/// <see cref="Guid.CreateVersion7(DateTimeOffset)"/> reads the kernel's random source once per id, a system call on
/// every request. The random part is the same cryptographic randomness here, drawn from a per-thread buffer that one
/// call refills for hundreds of ids.
/// </remarks>
public static class RequestIds
{
    private const int RandomBytesPerId = 10;
    private const int IdsPerRefill = 400;

    [ThreadStatic]
    private static byte[]? t_random;

    /// <summary>Bytes of <see cref="t_random"/> handed out since its last refill.</summary>
    [ThreadStatic]
    private static int t_used;

    /// <summary><c>req_</c> and the UUIDv7 for <paramref name="now"/> as 32 lower-case hex digits (<c>Guid.ToString("N")</c>).</summary>
    public static string Next(DateTimeOffset now)
    {
        Span<byte> uuid = stackalloc byte[16];
        // RFC 9562: 48-bit big-endian Unix milliseconds, version 7, 74 random bits, variant 0b10.
        BinaryPrimitives.WriteInt64BigEndian(uuid[..8], now.ToUnixTimeMilliseconds() << 16);
        TakeRandom(uuid[6..]);
        uuid[6] = (byte)(0x70 | (uuid[6] & 0x0F));
        uuid[8] = (byte)(0x80 | (uuid[8] & 0x3F));
        Span<char> id = stackalloc char[36];
        "req_".CopyTo(id);
        Convert.TryToHexStringLower(uuid, id[4..], out _);
        return new string(id);
    }

    private static void TakeRandom(Span<byte> destination)
    {
        if (t_random is null || t_used == t_random.Length)
        {
            t_random ??= new byte[RandomBytesPerId * IdsPerRefill];
            RandomNumberGenerator.Fill(t_random);
            t_used = 0;
        }

        t_random.AsSpan(t_used, RandomBytesPerId).CopyTo(destination);
        t_used += RandomBytesPerId;
    }
}
