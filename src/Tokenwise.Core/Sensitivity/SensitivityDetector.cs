using System.Text.RegularExpressions;

namespace Tokenwise.Sensitivity;

/// <summary>
/// Finds personal data and secrets in text. Each kind is a pattern plus, where one exists, a check
/// (Luhn, mod 97, check letters) so that ordinary numbers, dates and ids are not flagged. Findings
/// never overlap: where two kinds claim the same characters, the more specific wins
/// (API key, IBAN, card, national id, email, phone, then high-entropy token).
/// </summary>
public static partial class SensitivityDetector
{
    /// <summary>A token this long or longer, mixing upper case, lower case and digits, is examined for entropy.</summary>
    public const int MinEntropyTokenLength = 20;

    /// <summary>
    /// Bits per character above which a mixed-case alphanumeric token is taken for a secret. Random base64
    /// of 20–40 characters scores about 4.1–4.9; identifiers and words made of a few repeated letters score
    /// below 4 (a 20-character token cannot exceed log2(20) ≈ 4.32).
    /// </summary>
    public const double EntropyThreshold = 4.0;

    /// <summary>Hex-only tokens need this many characters (a 128-bit key) and this entropy (random hex ≈ 3.7–3.9).</summary>
    public const int MinHexTokenLength = 32;

    public const double HexEntropyThreshold = 3.4;

    public static IReadOnlyList<SensitiveSpan> Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var found = new List<SensitiveSpan>();
        AddApiKeys(text, found);
        AddIbans(text, found);
        AddCards(text, found);
        AddNationalIds(text, found);
        Add(found, EmailPattern(), text, SensitiveKind.Email);
        AddPhones(text, found);
        AddHighEntropy(text, found);
        found.Sort((a, b) => a.Start.CompareTo(b.Start));
        return found;
    }

    public static bool ContainsSensitive(string text) => Detect(text).Count > 0;

    private static void AddApiKeys(string text, List<SensitiveSpan> found)
    {
        foreach (Match m in ApiKeyPattern().Matches(text))
        {
            TryAdd(found, new SensitiveSpan(m.Index, m.Length, SensitiveKind.ApiKey, m.Value));
        }
    }

    private static void AddIbans(string text, List<SensitiveSpan> found)
    {
        foreach (Match m in IbanPattern().Matches(text))
        {
            var compact = m.Value.Replace(" ", "", StringComparison.Ordinal);
            if (Checksums.Iban(compact))
            {
                TryAdd(found, new SensitiveSpan(m.Index, m.Length, SensitiveKind.Iban, m.Value));
            }
        }
    }

    private static void AddCards(string text, List<SensitiveSpan> found)
    {
        foreach (Match m in CardPattern().Matches(text))
        {
            var digits = new string(m.Value.Where(char.IsAsciiDigit).ToArray());
            if (digits.Length is >= 13 and <= 19 && IssuerPrefix().IsMatch(digits) && digits.Distinct().Count() > 1 && Checksums.Luhn(digits))
            {
                TryAdd(found, new SensitiveSpan(m.Index, m.Length, SensitiveKind.CardNumber, m.Value));
            }
        }
    }

    private static void AddNationalIds(string text, List<SensitiveSpan> found)
    {
        foreach (Match m in SsnPattern().Matches(text))
        {
            TryAdd(found, new SensitiveSpan(m.Index, m.Length, SensitiveKind.NationalId, m.Value, "US SSN"));
        }

        foreach (Match m in SpanishIdPattern().Matches(text))
        {
            if (Checksums.SpanishId(m.Value.Replace("-", "", StringComparison.Ordinal)))
            {
                TryAdd(found, new SensitiveSpan(m.Index, m.Length, SensitiveKind.NationalId, m.Value, "ES DNI/NIE"));
            }
        }

        foreach (Match m in FrenchNirPattern().Matches(text))
        {
            if (Checksums.FrenchNir(m.Value.Replace(" ", "", StringComparison.Ordinal)))
            {
                TryAdd(found, new SensitiveSpan(m.Index, m.Length, SensitiveKind.NationalId, m.Value, "FR NIR"));
            }
        }
    }

    private static void AddPhones(string text, List<SensitiveSpan> found)
    {
        foreach (Match m in PhonePattern().Matches(text))
        {
            var digits = m.Value.Count(char.IsAsciiDigit);
            if (digits is >= 8 and <= 15)
            {
                TryAdd(found, new SensitiveSpan(m.Index, m.Length, SensitiveKind.Phone, m.Value));
            }
        }
    }

    private static void AddHighEntropy(string text, List<SensitiveSpan> found)
    {
        foreach (Match m in TokenPattern().Matches(text))
        {
            if (LooksRandom(m.Value))
            {
                TryAdd(found, new SensitiveSpan(m.Index, m.Length, SensitiveKind.HighEntropyToken, m.Value));
            }
        }
    }

    /// <summary>
    /// Hex tokens (a key or a digest: they cannot be told apart) from 32 characters; otherwise tokens of
    /// at least 20 characters with two or more each of upper case, lower case and digits (words,
    /// identifiers, numbers and UUIDs, whose dashes split them into short hex groups, do not qualify),
    /// and in both cases a character entropy above the threshold.
    /// </summary>
    public static bool LooksRandom(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        token = token.TrimEnd('=');
        if (token.All(char.IsAsciiHexDigit))
        {
            return token.Length >= MinHexTokenLength && token.Any(char.IsAsciiLetter) && token.Any(char.IsAsciiDigit) && Checksums.Entropy(token) >= HexEntropyThreshold;
        }

        return token.Length >= MinEntropyTokenLength
            && token.Count(char.IsAsciiLetterUpper) >= 2
            && token.Count(char.IsAsciiLetterLower) >= 2
            && token.Count(char.IsAsciiDigit) >= 2
            && Checksums.Entropy(token) >= EntropyThreshold;
    }

    private static void Add(List<SensitiveSpan> found, Regex pattern, string text, SensitiveKind kind)
    {
        foreach (Match m in pattern.Matches(text))
        {
            TryAdd(found, new SensitiveSpan(m.Index, m.Length, kind, m.Value));
        }
    }

    private static void TryAdd(List<SensitiveSpan> found, SensitiveSpan span)
    {
        foreach (var other in found)
        {
            if (span.Start < other.End && other.Start < span.End)
            {
                return;
            }
        }

        found.Add(span);
    }

    // Published prefixes: OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), AWS access key ids (AKIA/ASIA), GitHub
    // (ghp_/gho_/ghu_/ghs_/ghr_, github_pat_), Slack (xoxb-/xoxp-/xoxa-/xoxr-/xoxs-), Google (AIza), GitLab (glpat-),
    // Stripe (sk_live_/rk_live_/sk_test_), Hugging Face (hf_), and PEM private key headers.
    [GeneratedRegex(@"\b(?:sk-ant-[A-Za-z0-9_\-]{20,}|sk-(?:proj-)?[A-Za-z0-9_\-]{20,}|(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}|xox[abprs]-[A-Za-z0-9\-]{10,}|AIza[0-9A-Za-z_\-]{35}|glpat-[A-Za-z0-9_\-]{20,}|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,}|hf_[A-Za-z0-9]{30,})|-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----", RegexOptions.CultureInvariant)]
    private static partial Regex ApiKeyPattern();

    // Country code, check digits, then 11–30 letters/digits, optionally in groups of four separated by spaces.
    [GeneratedRegex(@"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}\b", RegexOptions.CultureInvariant)]
    private static partial Regex IbanPattern();

    // 13–19 digits, optionally grouped by single spaces or dashes, not inside a longer number.
    [GeneratedRegex(@"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])", RegexOptions.CultureInvariant)]
    private static partial Regex CardPattern();

    // Visa, Mastercard (51–55, 2221–2720), Amex (34, 37), Discover (6011, 65, 644–649), JCB (35), Diners (300–305, 36, 38), UnionPay (62).
    [GeneratedRegex(@"^(?:4|5[1-5]|2[2-7]|3[47]|6011|65|64[4-9]|35|30[0-5]|36|38|62)", RegexOptions.CultureInvariant)]
    private static partial Regex IssuerPrefix();

    // AAA-GG-SSSS with dashes (bare nine-digit numbers are too common to flag); area 000, 666 and 9xx, group 00 and serial 0000 are never issued.
    [GeneratedRegex(@"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])", RegexOptions.CultureInvariant)]
    private static partial Regex SsnPattern();

    [GeneratedRegex(@"\b(?:\d{8}|[XYZ]-?\d{7})-?[A-Z]\b", RegexOptions.CultureInvariant)]
    private static partial Regex SpanishIdPattern();

    // Sex, year, month, department (2A/2B for Corsica), commune, order, key; optionally spaced as printed on the card.
    [GeneratedRegex(@"\b[12] ?\d{2} ?(?:0[1-9]|1[0-2]) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b", RegexOptions.CultureInvariant)]
    private static partial Regex FrenchNirPattern();

    [GeneratedRegex(@"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    // +CC then groups of digits separated by a space, dot or dash, the area code possibly in parentheses;
    // or a US number (555) 123-4567 / 555-123-4567 / 555.123.4567. Bare digit runs are not phones here.
    [GeneratedRegex(@"(?<![\w+])\+\d{1,3}(?:[ .\-]?\(?\d{1,4}\)?){2,6}(?!\w)|(?<![\w\-.])(?:\(\d{3}\) ?|\d{3}[.\-])\d{3}[.\-]\d{4}(?![\w\-])", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();

    // Base64/base64url/hex-ish runs with optional padding; '/' is left out so paths and URLs split into
    // their segments, and '=' inside is a separator (key=value).
    [GeneratedRegex(@"[A-Za-z0-9+_\-]{20,}={0,2}", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();
}
