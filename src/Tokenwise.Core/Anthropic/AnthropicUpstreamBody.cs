using System.Buffers;
using System.Text.Json;
using Tokenwise.Pipeline;

namespace Tokenwise.Anthropic;

/// <summary>
/// Builds the body sent to an Anthropic upstream by splicing the client's bytes: only the model name
/// is replaced with the upstream model; everything else is copied byte for byte, in order. (Unlike
/// OpenAI, Anthropic always reports usage in streams, so nothing has to be asked for.)
/// </summary>
public static class AnthropicUpstreamBody
{
    /// <summary>Whether the body must change at all; when not, the client's buffer is sent as is.</summary>
    public static bool NeedsRewrite(LlmRequest request, string upstreamModel) =>
        !string.Equals(request.Model, upstreamModel, StringComparison.Ordinal);

    public static void Write(LlmRequest request, string upstreamModel, IBufferWriter<byte> output)
    {
        var body = request.Body.Span;
        output.Write(body[..request.ModelValue.Start]);
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStringValue(upstreamModel);
        }

        output.Write(body[request.ModelValue.End..]);
    }
}
