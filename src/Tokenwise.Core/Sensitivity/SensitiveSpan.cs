namespace Tokenwise.Sensitivity;

/// <summary>One finding: where it is in the text, what it is, and (for national ids) which scheme matched.</summary>
public readonly record struct SensitiveSpan(int Start, int Length, SensitiveKind Kind, string Value, string? Detail = null)
{
    public int End => Start + Length;
}
