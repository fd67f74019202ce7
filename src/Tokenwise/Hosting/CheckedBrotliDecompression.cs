using System.IO.Compression;
using Microsoft.AspNetCore.RequestDecompression;

namespace Tokenwise.Hosting;

/// <summary>
/// Request decompression for <c>Content-Encoding: br</c> whose bad data is an <see cref="InvalidDataException"/>, as it is
/// for gzip and deflate. <see cref="BrotliStream"/> reports it as an <see cref="InvalidOperationException"/> instead,
/// which no request path can tell from a fault of its own, so a body that was not Brotli answered 500.
/// </summary>
internal sealed class CheckedBrotliDecompression : IDecompressionProvider
{
    public Stream GetDecompressionStream(Stream stream) => new BrotliBody(new BrotliStream(stream, CompressionMode.Decompress, leaveOpen: true));

    private sealed class BrotliBody(BrotliStream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return inner.Read(buffer);
            }
            catch (InvalidOperationException e)
            {
                throw Invalid(e);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (InvalidOperationException e)
            {
                throw Invalid(e);
            }
        }

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
            }

            base.Dispose(disposing);
        }

        private static InvalidDataException Invalid(InvalidOperationException e) => new($"The Brotli data is invalid: {e.Message}", e);
    }
}
