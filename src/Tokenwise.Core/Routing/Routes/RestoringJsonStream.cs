using Tokenwise.Sensitivity;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// A redacted request's whole JSON answer with the originals put back: read to its end on the first read
/// (so a failure reading it surfaces where the caller reads, as for any answer), then served restored.
/// </summary>
public sealed class RestoringJsonStream(Stream inner, Redaction redaction) : Stream
{
    private MemoryStream? _restored;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_restored is null)
        {
            using var whole = new MemoryStream();
            await inner.CopyToAsync(whole, cancellationToken);
            _restored = new MemoryStream(JsonRedaction.Restore(whole.GetBuffer().AsSpan(0, (int)whole.Length), redaction), writable: false);
        }

        return await _restored.ReadAsync(buffer, cancellationToken);
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            _restored?.Dispose();
        }

        base.Dispose(disposing);
    }
}
