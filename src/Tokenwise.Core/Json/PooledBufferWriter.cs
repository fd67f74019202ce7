using System.Buffers;

namespace Tokenwise.Json;

/// <summary>
/// A growable buffer rented from the shared array pool and returned on dispose, for request and
/// response bodies on the hot path (an <c>ArrayBufferWriter</c> would allocate each time).
/// </summary>
public sealed class PooledBufferWriter(int initialCapacity = 4096) : IBufferWriter<byte>, IDisposable
{
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 256));
    private int _written;

    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>The written bytes, for a caller that rearranges them in place (the exact-cache key sorts an object's properties after writing them).</summary>
    public Span<byte> WrittenBytes => _buffer.AsSpan(0, _written);

    public void Advance(int count) => _written += count;

    /// <summary>Forgets what was written, keeping the buffer for the next use.</summary>
    public void Reset() => _written = 0;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>
    /// Reads <paramref name="stream"/> to its end; false as soon as it is longer than <paramref name="limit"/> bytes, with
    /// the first <paramref name="limit"/> of them written.
    /// </summary>
    public async ValueTask<bool> ReadFromAsync(Stream stream, long limit, CancellationToken cancellationToken)
    {
        while (_written < limit)
        {
            // Read into whatever room is left, never past the limit; the buffer grows (doubling) only once it is full,
            // so a buffer sized from Content-Length is read into without being regrown.
            var room = GetMemory();
            var read = await stream.ReadAsync(room[..(int)Math.Min(room.Length, limit - _written)], cancellationToken);
            if (read == 0)
            {
                return true;
            }

            Advance(read);
        }

        // Full to the limit: the stream fits only if it ends here. One byte tells, without growing the buffer past the limit.
        return await stream.ReadAsync(new byte[1], cancellationToken) == 0;
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    private void Ensure(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        var needed = _written + Math.Max(sizeHint, 1);
        if (needed > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
            _buffer.AsSpan(0, _written).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }
}
