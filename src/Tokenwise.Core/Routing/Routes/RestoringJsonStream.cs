using Tokenwise.Sensitivity;
using Tokenwise.Streams;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// A redacted request's whole JSON answer with the originals put back: read to its end on the first read
/// (so a failure reading it surfaces where the caller reads, as for any answer), then served restored.
/// </summary>
public sealed class RestoringJsonStream(Stream inner, Redaction redaction) : ReadOnlyStream
{
    private MemoryStream? _restored;

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
