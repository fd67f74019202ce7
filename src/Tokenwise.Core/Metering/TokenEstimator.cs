using Microsoft.ML.Tokenizers;

namespace Tokenwise.Metering;

/// <summary>
/// Counts tokens with OpenAI's real encodings when a provider did not report usage (a cancelled
/// stream, an upstream that omits it). Results are flagged as estimated in the log.
/// </summary>
public static class TokenEstimator
{
    // Loading an encoding parses its vocabulary (tens of milliseconds), so each loads on first use.
    private static readonly Lazy<Tokenizer> s_o200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private static readonly Lazy<Tokenizer> s_cl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    /// <summary>
    /// The encoding a model uses: o200k for the GPT-4o, GPT-4.1, GPT-5 and o-series families,
    /// cl100k for older OpenAI models and as the approximation for everything else.
    /// </summary>
    public static Tokenizer ForModel(string model)
    {
        var m = model.AsSpan();
        var slash = m.LastIndexOf('/');
        if (slash >= 0)
        {
            m = m[(slash + 1)..];
        }

        var usesO200k = m.StartsWith("gpt-4o", StringComparison.OrdinalIgnoreCase)
            || m.StartsWith("gpt-4.1", StringComparison.OrdinalIgnoreCase)
            || m.StartsWith("gpt-4.5", StringComparison.OrdinalIgnoreCase)
            || m.StartsWith("gpt-5", StringComparison.OrdinalIgnoreCase)
            || m.StartsWith("chatgpt-4o", StringComparison.OrdinalIgnoreCase)
            || m.StartsWith("gpt-oss", StringComparison.OrdinalIgnoreCase)
            || (m.Length > 1 && (m[0] is 'o' or 'O') && char.IsAsciiDigit(m[1]));
        return usesO200k ? s_o200k.Value : s_cl100k.Value;
    }

    public static int Count(string model, string text) => text.Length == 0 ? 0 : ForModel(model).CountTokens(text);
}
