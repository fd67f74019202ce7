namespace Tokenwise.Json;

/// <summary>The byte range of one JSON value inside a larger document.</summary>
internal readonly record struct JsonSpan(int Start, int Length)
{
    public int End => Start + Length;
}
