using Tokenwise.Anthropic;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;

namespace Tokenwise.Metering;

/// <summary>A request's prompt tokens counted locally, in whichever dialect it came.</summary>
public static class PromptTokens
{
    public static long Estimate(LlmRequest request, string model) => request.Dialect switch
    {
        OpenAIRequestParser.Dialect => OpenAIPromptEstimator.Estimate(request, model),
        AnthropicRequestParser.Dialect => AnthropicPromptEstimator.Estimate(request, model),
        // Unknown dialect: its length in bytes bounds its tokens.
        _ => request.Body.Length,
    };
}
