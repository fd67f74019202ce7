using System.Text;

namespace Tokenwise.Sensitivity;

/// <summary>
/// Replaces each finding with a placeholder such as <c>[EMAIL_1]</c> before text leaves for a cloud
/// model, and puts the originals back into the answer. The same value always gets the same placeholder,
/// across every text redacted with one instance (a request's many strings), so the model can refer to it
/// consistently.
/// </summary>
public sealed class Redaction
{
    private readonly Dictionary<string, string> _originals = new(StringComparer.Ordinal);
    private readonly Dictionary<(SensitiveKind, string), string> _byValue = [];
    private readonly Dictionary<SensitiveKind, int> _counts = [];
    private readonly List<SensitiveSpan> _findings = [];

    /// <summary>The redacted text (of <see cref="Redact"/>; the last text added otherwise).</summary>
    public string Text { get; private set; } = "";

    /// <summary>Everything found, each at its position in the text it was found in.</summary>
    public IReadOnlyList<SensitiveSpan> Findings => _findings;

    /// <summary>Placeholder → original value.</summary>
    public IReadOnlyDictionary<string, string> Placeholders => _originals;

    public static Redaction Redact(string text)
    {
        var redaction = new Redaction();
        redaction.Add(text);
        return redaction;
    }

    /// <summary>A redaction to add texts to, one by one, sharing placeholders.</summary>
    public static Redaction Begin() => new();

    /// <summary>Redacts one more text; returns it redacted (the same string when nothing was found).</summary>
    public string Add(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var findings = SensitivityDetector.Detect(text);
        if (findings.Count == 0)
        {
            return Text = text;
        }

        var output = new StringBuilder(text.Length);
        var position = 0;
        foreach (var finding in findings)
        {
            output.Append(text, position, finding.Start - position);
            if (!_byValue.TryGetValue((finding.Kind, finding.Value), out var placeholder))
            {
                var n = _counts[finding.Kind] = _counts.GetValueOrDefault(finding.Kind) + 1;
                placeholder = $"[{Name(finding.Kind)}_{n}]";
                _byValue[(finding.Kind, finding.Value)] = placeholder;
                _originals[placeholder] = finding.Value;
            }

            output.Append(placeholder);
            position = finding.End;
        }

        _findings.AddRange(findings);
        output.Append(text, position, text.Length - position);
        return Text = output.ToString();
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

    /// <summary>
    /// How many characters at the end of <paramref name="text"/> may be the start of a placeholder cut off
    /// by the end of a streamed chunk (<c>[EMA</c>, <c>[CARD_1</c>): a stream holds them back until the next chunk.
    /// </summary>
    public static int PartialPlaceholderLength(ReadOnlySpan<char> text)
    {
        var open = text.LastIndexOf('[');
        if (open < 0)
        {
            return 0;
        }

        foreach (var c in text[(open + 1)..])
        {
            if (!(char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                return 0; // closed, or not a placeholder
            }
        }

        return text.Length - open;
    }

    /// <summary>The kinds found, in words, e.g. <c>email, card number</c>.</summary>
    public string DescribeKinds() => DescribeKinds(_findings);

    /// <summary>The kinds of <paramref name="findings"/>, in words and in order of first appearance.</summary>
    public static string DescribeKinds(IEnumerable<SensitiveSpan> findings) => string.Join(", ", findings.Select(f => f.Kind).Distinct().Select(Describe));

    public static string Describe(SensitiveKind kind) => kind switch
    {
        SensitiveKind.ApiKey => "API key",
        SensitiveKind.Iban => "IBAN",
        SensitiveKind.CardNumber => "card number",
        SensitiveKind.NationalId => "national id",
        SensitiveKind.Email => "email",
        SensitiveKind.Phone => "phone number",
        SensitiveKind.HighEntropyToken => "secret-like token",
        _ => kind.ToString(),
    };

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
