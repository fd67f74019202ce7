using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Tokenwise.Json;

/// <summary>
/// Whether the strings of a JSON body are Unicode text, and the body mended where they are not.
/// <see cref="System.Text.Json.Utf8JsonReader"/> checks the syntax but decodes a string only when asked, so invalid UTF-8
/// or a lone surrogate escape (<c>"\ud800"</c>) passes a parse and then throws in whichever later stage reads that
/// string (a cache key, a token estimate, a translation, the metering of an answer). Both doors check: a client's
/// request is refused (<see cref="Problem"/>), a provider's answer, already paid for, is mended
/// (<see cref="Streams.TextRepairingStream"/>).
/// </summary>
/// <remarks>
/// Escapes appear only inside the strings of well-formed JSON and a backslash always starts one there, unless it is
/// the second half of <c>\\</c>; so of a run of backslashes, the odd ones start escapes, wherever the run begins.
/// </remarks>
public static class JsonUnicode
{
    private const int PairedEscapeLength = 12; // \uD83D\uDE00

    /// <summary>What is wrong with the body's text, for the error message; null when it is all valid.</summary>
    /// <remarks>One vectorized pass for UTF-8 and a search for backslashes: most bodies have few or none.</remarks>
    public static string? Problem(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            return "it is not valid UTF-8";
        }

        var at = LoneSurrogate(json);
        return at < 0
            ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"the string escape {Encoding.ASCII.GetString(json.Slice(at, 6))} at byte {at} is half of a surrogate pair, which is not Unicode text");
    }

    /// <summary>Whether every string in <paramref name="json"/> is valid Unicode text.</summary>
    public static bool IsText(ReadOnlySpan<byte> json) => Utf8.IsValid(json) && LoneSurrogate(json) < 0;

    /// <summary>
    /// How many leading bytes of <paramref name="data"/>, the first part of a longer body, can be judged now: all but
    /// a trailing UTF-8 sequence or escape that the next bytes may complete (at most <see cref="PairedEscapeLength"/> bytes).
    /// </summary>
    public static int JudgedLength(ReadOnlySpan<byte> data)
    {
        var judged = data.Length;
        var lead = data.Length - 1;
        while (lead >= 0 && data.Length - lead <= 3 && (data[lead] & 0xC0) == 0x80)
        {
            lead--;
        }

        if (lead >= 0 && SequenceLength(data[lead]) > data.Length - lead)
        {
            judged = lead;
        }

        for (var i = Math.Max(0, data.Length - PairedEscapeLength); i < data.Length; i++)
        {
            if (data[i] != '\\' || !StartsEscape(data, i))
            {
                continue;
            }

            // A high surrogate is judged with the escape after it, which may be its partner.
            if (i + 1 == data.Length || (data[i + 1] == 'u'
                && (i + 6 > data.Length || (TryCodeUnit(data, i, out var unit) && char.IsHighSurrogate(unit) && i + PairedEscapeLength > data.Length))))
            {
                return Math.Min(judged, i);
            }

            i++; // the escaped character is no backslash of its own
        }

        return judged;
    }

    /// <summary>
    /// Writes <paramref name="data"/> with each invalid UTF-8 sequence replaced by U+FFFD and each lone surrogate escape
    /// by <c>\ufffd</c>, as decoders show broken text; everything else is copied as it is.
    /// </summary>
    public static void Repair(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        var i = 0;
        while (i < data.Length)
        {
            var length = 1;
            ReadOnlySpan<byte> replacement = default;
            if (data[i] == '\\')
            {
                length = Math.Min(2, data.Length - i);
                if (TryCodeUnit(data, i, out var unit) && char.IsSurrogate(unit))
                {
                    length = char.IsHighSurrogate(unit) && TryCodeUnit(data, i + 6, out var low) && char.IsLowSurrogate(low) ? PairedEscapeLength : 6;
                    replacement = length == 6 ? "\\ufffd"u8 : default;
                }
            }
            else if (Rune.DecodeFromUtf8(data[i..], out _, out length) != OperationStatus.Done)
            {
                replacement = "\uFFFD"u8;
            }

            output.Write(replacement.IsEmpty ? data.Slice(i, length) : replacement);
            i += length;
        }
    }

    /// <summary>Where the first lone surrogate escape starts, or -1.</summary>
    private static int LoneSurrogate(ReadOnlySpan<byte> json)
    {
        var position = 0;
        while (true)
        {
            var found = json[position..].IndexOf((byte)'\\');
            if (found < 0)
            {
                return -1;
            }

            var escape = position + found;
            position = escape + 2; // \" \\ \n ...: the escaped character starts no escape of its own
            if (!TryCodeUnit(json, escape, out var unit))
            {
                continue; // not \uXXXX; a malformed one is the parser's to report
            }

            position = escape + 6;
            if (char.IsHighSurrogate(unit) && TryCodeUnit(json, position, out var low) && char.IsLowSurrogate(low))
            {
                position += 6;
            }
            else if (char.IsSurrogate(unit))
            {
                return escape;
            }
        }
    }

    /// <summary>The UTF-16 code unit of the <c>\uXXXX</c> escape at <paramref name="at"/>, if there is one.</summary>
    private static bool TryCodeUnit(ReadOnlySpan<byte> json, int at, out char unit)
    {
        unit = '\0';
        if (at + 6 > json.Length || json[at] != '\\' || json[at + 1] != 'u'
            || !Utf8Parser.TryParse(json.Slice(at + 2, 4), out ushort value, out var consumed, 'X') || consumed != 4)
        {
            return false;
        }

        unit = (char)value;
        return true;
    }

    private static bool StartsEscape(ReadOnlySpan<byte> data, int backslash)
    {
        var run = 1;
        while (backslash - run >= 0 && data[backslash - run] == '\\')
        {
            run++;
        }

        return run % 2 == 1;
    }

    /// <summary>The length of the UTF-8 sequence a byte leads (1 for ASCII and for bytes that lead none).</summary>
    private static int SequenceLength(byte lead) => lead switch
    {
        >= 0xF0 => 4,
        >= 0xE0 => 3,
        >= 0xC0 => 2,
        _ => 1,
    };
}
