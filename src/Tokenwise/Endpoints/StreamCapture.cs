using System.Buffers;
using Tokenwise.Json;

namespace Tokenwise.Endpoints;

/// <summary>
/// A copy of the stream the client received, for the body log and the cache. With a limit (the largest
/// entry the cache keeps) it stops copying once the stream outgrows it, so a long stream never costs more
/// memory than the cache could use; the partial copy is then marked as such and never stored.
/// </summary>
internal sealed class StreamCapture(int? limit) : IBufferWriter<byte>, IDisposable
{
    private readonly PooledBufferWriter _copy = new(16 * 1024);
    private byte[]? _discard;

    /// <summary>The stream outgrew the limit: the copy is incomplete.</summary>
    public bool Overflowed { get; private set; }

    public ReadOnlySpan<byte> WrittenSpan => _copy.WrittenSpan;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (!Overflowed && limit is { } most && _copy.WrittenCount + Math.Max(sizeHint, 1) > most)
        {
            Overflowed = true;
        }

        if (!Overflowed)
        {
            return _copy.GetMemory(sizeHint);
        }

        // Past the limit, bytes land in a scratch buffer and are dropped.
        if (_discard is null || _discard.Length < sizeHint)
        {
            _discard = new byte[Math.Max(sizeHint, 4096)];
        }

        return _discard;
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public void Advance(int count)
    {
        if (!Overflowed)
        {
            _copy.Advance(count);
        }
    }

    public void Dispose() => _copy.Dispose();
}
