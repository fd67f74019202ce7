namespace Tokenwise.Tests;

/// <summary>
/// A stream that hands out at most <paramref name="chunk"/> bytes per read, as a slow network delivers
/// them, so that translations see events split across reads.
/// </summary>
internal sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data, writable: false)
{
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);

    /// <summary>Reads <paramref name="stream"/> to its end a few bytes at a time, as a client with a small buffer does.</summary>
    public static byte[] ReadToEnd(Stream stream)
    {
        using var output = new MemoryStream();
        var buffer = new byte[5];
        int read;
        while ((read = stream.ReadAsync(buffer, TestContext.Current.CancellationToken).AsTask().GetAwaiter().GetResult()) > 0)
        {
            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }
}
