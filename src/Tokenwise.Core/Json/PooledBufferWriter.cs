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

    /// <summary>Reads <paramref name="stream"/> to its end; false as soon as it exceeds <paramref name="limit"/> bytes.</summary>
    public async ValueTask<bool> ReadFromAsync(Stream stream, long limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Read into whatever room is left; the buffer grows (doubling) only once it is full, so a
            // buffer sized from Content-Length is read into without being regrown.
            var read = await stream.ReadAsync(GetMemory(), cancellationToken);
            if (read == 0)
            {
                return true;
            }

            Advance(read);
            if (_written > limit)
            {
                return false;
            }
        }
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
