using System.Text;
using System.Text.Json;

namespace Tokenwise.Metering;

/// <summary>
/// The text a stream has generated so far, kept by the stream meters so the output can be estimated
/// when no usage comes. Meters run once per event, so each delta is decoded straight from the reader
/// without allocating a string: a delta is a token or two and is decoded on the stack; only an
/// unusually long one is decoded on the heap.
/// </summary>
internal sealed class StreamedText
{
    private const int StackChars = 256;
    private StringBuilder? _text;

    /// <summary>How many chars have been kept, a mark to <see cref="Truncate"/> back to.</summary>
    public int Length => _text?.Length ?? 0;

    /// <summary>Appends the reader's current string value.</summary>
    public void Append(ref Utf8JsonReader reader)
    {
        var text = _text ??= new StringBuilder();
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > StackChars)
        {
            text.Append(reader.GetString());
            return;
        }

        // Unescaped, a string has at most as many chars as its UTF-8 bytes.
        Span<char> chars = stackalloc char[StackChars];
        text.Append(chars[..reader.CopyString(chars)]);
    }

    /// <summary>Drops what was appended after <paramref name="length"/> (a value that turned out not to be generated text).</summary>
    public void Truncate(int length)
    {
        if (_text is not null && length < _text.Length)
        {
            _text.Length = length;
        }
    }

    public override string ToString() => _text?.ToString() ?? "";
}
