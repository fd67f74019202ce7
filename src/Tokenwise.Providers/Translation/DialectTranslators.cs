using Tokenwise.Pipeline;
using Tokenwise.Providers.Translation.AnthropicToOpenAI;
using Tokenwise.Providers.Translation.OpenAIToAnthropic;

namespace Tokenwise.Providers.Translation;

/// <summary>Every translation between client dialects and provider dialects the gateway has.</summary>
public static class DialectTranslators
{
    public static IReadOnlyList<IDialectTranslator> Create(TimeProvider time) =>
        [new OpenAIToAnthropicTranslator(time), new AnthropicToOpenAITranslator(time)];
}
