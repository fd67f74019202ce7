using System.Text;

namespace Tokenwise.Sensitivity;

/// <summary>
/// Replaces each finding with a placeholder such as <c>[EMAIL_1]</c> before text leaves for a cloud
/// model, and puts the originals back into the answer. The same value always gets the same placeholder,
/// so the model can refer to it consistently.
/// </summary>
public sealed class Redaction
{
    private readonly Dictionary<string, string> _originals;

    private Redaction(string text, IReadOnlyList<SensitiveSpan> findings, Dictionary<string, string> originals)
    {
        Text = text;
        Findings = findings;
        _originals = originals;
    }

    /// <summary>The redacted text.</summary>
    public string Text { get; }

    public IReadOnlyList<SensitiveSpan> Findings { get; }

    /// <summary>Placeholder → original value.</summary>
    public IReadOnlyDictionary<string, string> Placeholders => _originals;

    public static Redaction Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var findings = SensitivityDetector.Detect(text);
        var originals = new Dictionary<string, string>(StringComparer.Ordinal);
        var byValue = new Dictionary<(SensitiveKind, string), string>();
        var counts = new Dictionary<SensitiveKind, int>();
        var output = new StringBuilder(text.Length);
        var position = 0;
        foreach (var finding in findings)
        {
            output.Append(text, position, finding.Start - position);
            if (!byValue.TryGetValue((finding.Kind, finding.Value), out var placeholder))
            {
                var n = counts[finding.Kind] = counts.GetValueOrDefault(finding.Kind) + 1;
                placeholder = $"[{Name(finding.Kind)}_{n}]";
                byValue[(finding.Kind, finding.Value)] = placeholder;
                originals[placeholder] = finding.Value;
            }

            output.Append(placeholder);
            position = finding.End;
        }

        output.Append(text, position, text.Length - position);
        return new Redaction(output.ToString(), findings, originals);
    }

    /// <summary>Puts the original values back wherever the answer repeats a placeholder.</summary>
    public string Restore(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (_originals.Count == 0 || !answer.Contains('[', StringComparison.Ordinal))
        {
            return answer;
        }

        var output = new StringBuilder(answer);
        // The closing bracket keeps [EMAIL_1] from matching inside [EMAIL_10].
        foreach (var (placeholder, original) in _originals)
        {
            output.Replace(placeholder, original);
        }

        return output.ToString();
    }

    private static string Name(SensitiveKind kind) => kind switch
    {
        SensitiveKind.ApiKey => "API_KEY",
        SensitiveKind.Iban => "IBAN",
        SensitiveKind.CardNumber => "CARD",
        SensitiveKind.NationalId => "NATIONAL_ID",
        SensitiveKind.Email => "EMAIL",
        SensitiveKind.Phone => "PHONE",
        SensitiveKind.HighEntropyToken => "SECRET",
        _ => kind.ToString().ToUpperInvariant(),
    };
}
