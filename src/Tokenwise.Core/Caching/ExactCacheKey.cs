using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.Pipeline;

namespace Tokenwise.Caching;

/// <summary>
/// The exact-cache key: SHA-256 over the scope (tenant namespace, API, dialect, provider, resolved
/// upstream model) and the request body with object keys sorted, so field order and whitespace do not
/// matter. Every field is part of the key (messages, system prompt, tools, temperature, max tokens,
/// stream, response format, and any field the gateway does not know) except the client-facing
/// <c>model</c> alias (the resolved model stands in for it) and attribution-only <c>metadata</c>/<c>user</c>.
/// </summary>
/// <remarks>
/// It runs on every chat/messages request while the cache is on (the default), so it reads the body once with
/// a <see cref="Utf8JsonReader"/> instead of building a <see cref="JsonDocument"/>: each property is written as
/// it is read (names unescaped into a pooled scratch buffer), and when an object's properties were not in order
/// its written bytes are rearranged in place, property by property. (Noting the properties, then re-reading
/// each value from the body once sorted, read a value once per object around it: most of a key's time for
/// a request with tool schemas.) The canonical text (and so the key) is what writing the parsed document
/// with its keys sorted would give; the only allocation is the returned string
/// (<c>ExactCacheKeyBenchmarks</c>; an object of more than 32 properties also allocates its sort's comparer).
/// </remarks>
public static class ExactCacheKey
{
    [ThreadStatic]
    private static Canonicalizer? t_canonicalizer;

    /// <exception cref="JsonException">The body is not JSON (the parsers reject that earlier).</exception>
    public static string Compute(string tenantNamespace, ModelDeployment deployment, LlmRequest request) =>
        Hash(tenantNamespace, deployment, request, request.Body.Span, semanticScope: false);

    /// <summary>
    /// The semantic cache's scope: the same hash, marked as a scope so it never equals an exact key, over the
    /// request with the latest user turn's <paramref name="question"/> content replaced by <c>null</c>. Everything
    /// else stays in: system prompt, tools, parameters, earlier turns and the latest turn's other fields.
    /// </summary>
    internal static string ComputeScope(string tenantNamespace, ModelDeployment deployment, LlmRequest request, JsonSpan question)
    {
        var body = request.Body.Span;
        var length = body.Length - question.Length + 4;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            body[..question.Start].CopyTo(rented);
            "null"u8.CopyTo(rented.AsSpan(question.Start));
            body[question.End..].CopyTo(rented.AsSpan(question.Start + 4));
            return Hash(tenantNamespace, deployment, request, rented.AsSpan(0, length), semanticScope: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static string Hash(string tenantNamespace, ModelDeployment deployment, LlmRequest request, ReadOnlySpan<byte> body, bool semanticScope)
    {
        // Taken off the thread while in use, so a nested call (none today) would get its own.
        var canonicalizer = t_canonicalizer ?? new Canonicalizer();
        t_canonicalizer = null;
        try
        {
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            canonicalizer.Sha256.AppendData(canonicalizer.Write(tenantNamespace, deployment, request, body, semanticScope));
            canonicalizer.Sha256.GetHashAndReset(hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            canonicalizer.Clear();
            t_canonicalizer = canonicalizer;
        }
    }

    /// <summary>
    /// A property of the object being written: its unescaped name in the scratch buffer, and where it was written in
    /// the output (from the comma before it, when it has one, to the end of its value).
    /// </summary>
    private readonly record struct Property(int NameStart, int NameLength, int Start, int Length, int Order);

    /// <summary>
    /// The unescaped UTF-8 names in UTF-16 ordinal order, ties (a repeated name) in document order: the stable
    /// ordinal sort of the names as strings, so keys stay what they were. A struct, so sorting allocates nothing.
    /// </summary>
    private readonly struct ByName(byte[] names) : IComparer<Property>
    {
        public int Compare(Property a, Property b)
        {
            var byName = Utf16Ordinal(names.AsSpan(a.NameStart, a.NameLength), names.AsSpan(b.NameStart, b.NameLength));
            return byName != 0 ? byName : a.Order.CompareTo(b.Order);
        }

        /// <summary>
        /// UTF-8 bytes sort by code point; UTF-16 differs only where a character beyond U+FFFF (a surrogate
        /// pair, 0xD800…) meets one in U+E000–U+FFFF, so only the first differing character needs a look.
        /// </summary>
        private static int Utf16Ordinal(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
        {
            var common = x.CommonPrefixLength(y);
            if (common == x.Length || common == y.Length)
            {
                return x.Length.CompareTo(y.Length);
            }

            while (common > 0 && (x[common] & 0xC0) == 0x80)
            {
                common--; // back to the start of the character that differs
            }

            if (System.Text.Rune.DecodeFromUtf8(x[common..], out var rx, out _) != OperationStatus.Done
                || System.Text.Rune.DecodeFromUtf8(y[common..], out var ry, out _) != OperationStatus.Done
                || rx.IsBmp == ry.IsBmp)
            {
                return x[common..].SequenceCompareTo(y[common..]);
            }

            // One is a surrogate pair: it sorts before U+E000–U+FFFF and after everything else.
            var bmp = rx.IsBmp ? rx.Value : ry.Value;
            var pairFirst = bmp >= 0xE000 ? -1 : 1;
            return rx.IsBmp ? -pairFirst : pairFirst;
        }
    }

    /// <summary>The writer and the pooled buffers one key needs, kept per thread between requests.</summary>
    private sealed class Canonicalizer
    {
        private const int InitialSize = 4096;
        private const int KeepAtMost = 64 * 1024;
        private PooledBufferWriter _output = new(InitialSize);
        private readonly Utf8JsonWriter _writer;
        private byte[] _names = ArrayPool<byte>.Shared.Rent(256);
        private int _namesUsed;
        private Property[] _properties = ArrayPool<Property>.Shared.Rent(32);
        private int _propertiesUsed;
        private byte[] _reordering = ArrayPool<byte>.Shared.Rent(256);

        /// <summary>Kept with the thread: a one-shot SHA-256 sets up and frees the platform's hash state on every call.</summary>
        public IncrementalHash Sha256 { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        // The reader has validated the body, so the writer need not check the structure again.
        public Canonicalizer() => _writer = new Utf8JsonWriter(_output, new JsonWriterOptions { SkipValidation = true });

        public ReadOnlySpan<byte> Write(string tenantNamespace, ModelDeployment deployment, LlmRequest request, ReadOnlySpan<byte> body, bool semanticScope)
        {
            _writer.Reset(_output);
            _writer.WriteStartObject();
            if (semanticScope)
            {
                _writer.WriteBoolean("semantic_scope"u8, true);
            }

            _writer.WriteString("namespace"u8, tenantNamespace);
            _writer.WriteString("api"u8, ApiName(request.Api));
            _writer.WriteString("dialect"u8, request.Dialect);
            _writer.WriteString("provider"u8, deployment.Provider);
            _writer.WriteString("upstream_model"u8, deployment.UpstreamModel);
            _writer.WritePropertyName("request"u8);
            var reader = new Utf8JsonReader(body);
            reader.Read(); // throws on an empty body, as parsing it would
            WriteValue(ref reader, topLevel: true);
            _writer.WriteEndObject();
            _writer.Flush();
            return _output.WrittenSpan;
        }

        /// <summary>Forgets this key's bytes; a buffer grown for a large body goes back to the pool rather than stay with the thread.</summary>
        public void Clear()
        {
            if (_output.WrittenCount > KeepAtMost)
            {
                _output.Dispose();
                _output = new PooledBufferWriter(InitialSize);
            }
            else
            {
                _output.Reset();
            }

            if (_reordering.Length > KeepAtMost)
            {
                ArrayPool<byte>.Shared.Return(_reordering);
                _reordering = ArrayPool<byte>.Shared.Rent(256);
            }

            _namesUsed = 0;
            _propertiesUsed = 0;
        }

        private static string ApiName(ApiKind api) => api switch
        {
            ApiKind.ChatCompletions => nameof(ApiKind.ChatCompletions),
            ApiKind.Messages => nameof(ApiKind.Messages),
            _ => api.ToString(),
        };

        /// <summary>Writes the value <paramref name="reader"/> is on, leaving the reader on its last token.</summary>
        private void WriteValue(ref Utf8JsonReader reader, bool topLevel)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    WriteObject(ref reader, topLevel);
                    break;
                case JsonTokenType.StartArray:
                    _writer.WriteStartArray();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        WriteValue(ref reader, topLevel: false);
                    }

                    _writer.WriteEndArray();
                    break;
                case JsonTokenType.String when reader.ValueIsEscaped:
                    WriteUnescaped(ref reader);
                    break;
                case JsonTokenType.String:
                    _writer.WriteStringValue(reader.ValueSpan);
                    break;
                case JsonTokenType.Number:
                    _writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                    break;
                case JsonTokenType.True or JsonTokenType.False:
                    _writer.WriteBooleanValue(reader.TokenType == JsonTokenType.True);
                    break;
                default:
                    _writer.WriteNullValue();
                    break;
            }
        }

        private void WriteObject(ref Utf8JsonReader reader, bool topLevel)
        {
            int first = _propertiesUsed, namesFirst = _namesUsed;
            _writer.WriteStartObject();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var nameStart = _namesUsed;
                var nameLength = CopyName(ref reader);
                reader.Read();
                if (topLevel && IsIgnored(_names.AsSpan(nameStart, nameLength)))
                {
                    reader.Skip();
                    _namesUsed = nameStart;
                    continue;
                }

                var start = Position;
                _writer.WritePropertyName(_names.AsSpan(nameStart, nameLength));
                WriteValue(ref reader, topLevel: false);
                Add(new Property(nameStart, nameLength, start, Position - start, _propertiesUsed - first));
            }

            PutInOrder(_properties.AsSpan(first, _propertiesUsed - first));
            _writer.WriteEndObject();
            _propertiesUsed = first;
            _namesUsed = namesFirst;
        }

        /// <summary>Where the writer is in the output: what it has handed over and what it still holds.</summary>
        private int Position => checked((int)(_writer.BytesCommitted + _writer.BytesPending));

        /// <summary>
        /// Rearranges the object's written properties into name order. Every property but the object's first was
        /// written after a comma; in the new order the comma goes before every property but the new first, so the
        /// bytes keep their length and the writer, which never reads back, carries on after them.
        /// </summary>
        private void PutInOrder(Span<Property> properties)
        {
            var byName = new ByName(_names);
            var sorted = true;
            for (var i = 1; i < properties.Length && sorted; i++)
            {
                sorted = byName.Compare(properties[i - 1], properties[i]) <= 0;
            }

            if (sorted)
            {
                return;
            }

            _writer.Flush();
            int start = properties[0].Start, length = Position - start;
            if (_reordering.Length < length)
            {
                _reordering = Grow(_reordering, 0, length);
            }

            var output = _output.WrittenBytes.Slice(start, length);
            output.CopyTo(_reordering);
            Sort(properties, byName);
            var at = 0;
            foreach (var property in properties)
            {
                var comma = property.Order == 0 ? 0 : 1; // the first written has none
                if (at > 0)
                {
                    output[at++] = (byte)',';
                }

                _reordering.AsSpan(property.Start - start + comma, property.Length - comma).CopyTo(output[at..]);
                at += property.Length - comma;
            }
        }

        /// <summary>
        /// Insertion sort for the usual handful of properties: Span.Sort boxes the comparer and makes a delegate
        /// each call, which was most of what a key allocated. Many properties go to Span.Sort (n log n).
        /// </summary>
        private static void Sort(Span<Property> properties, ByName byName)
        {
            if (properties.Length > 32)
            {
                properties.Sort(byName);
                return;
            }

            for (var i = 1; i < properties.Length; i++)
            {
                var property = properties[i];
                var j = i - 1;
                for (; j >= 0 && byName.Compare(properties[j], property) > 0; j--)
                {
                    properties[j + 1] = properties[j];
                }

                properties[j + 1] = property;
            }
        }

        private static bool IsIgnored(ReadOnlySpan<byte> name) =>
            name.SequenceEqual("model"u8) || name.SequenceEqual("metadata"u8) || name.SequenceEqual("user"u8);

        private int CopyName(ref Utf8JsonReader reader)
        {
            var room = reader.ValueSpan.Length; // unescaping never makes it longer
            if (_namesUsed + room > _names.Length)
            {
                _names = Grow(_names, _namesUsed, _namesUsed + room);
            }

            var length = reader.ValueIsEscaped ? reader.CopyString(_names.AsSpan(_namesUsed)) : Copy(reader.ValueSpan, _names.AsSpan(_namesUsed));
            _namesUsed += length;
            return length;
        }

        private void WriteUnescaped(ref Utf8JsonReader reader)
        {
            var scratch = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
            try
            {
                _writer.WriteStringValue(scratch.AsSpan(0, reader.CopyString(scratch)));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }

        private static int Copy(ReadOnlySpan<byte> from, Span<byte> to)
        {
            from.CopyTo(to);
            return from.Length;
        }

        private void Add(Property property)
        {
            if (_propertiesUsed == _properties.Length)
            {
                _properties = Grow(_properties, _propertiesUsed, _propertiesUsed + 1);
            }

            _properties[_propertiesUsed++] = property;
        }

        private static T[] Grow<T>(T[] array, int used, int needed)
        {
            var bigger = ArrayPool<T>.Shared.Rent(Math.Max(needed, array.Length * 2));
            array.AsSpan(0, used).CopyTo(bigger);
            ArrayPool<T>.Shared.Return(array);
            return bigger;
        }
    }
}
