using System.Buffers;
using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.Pipeline;

namespace Tokenwise.OpenAI;

/// <summary>
/// Builds the body sent to an OpenAI-compatible upstream by splicing the client's bytes: the model
/// name is replaced with the upstream model, and a streamed chat request is made to ask for usage.
/// Everything else is copied byte for byte, in order.
/// </summary>
public static class OpenAIUpstreamBody
{
    private static ReadOnlySpan<byte> IncludeUsageMember => "\"include_usage\":true"u8;

    /// <summary>Whether the body must change at all; when not, the client's buffer is sent as is.</summary>
    public static bool NeedsRewrite(LlmRequest request, string upstreamModel) =>
        NeedsUsageRequest(request) || !string.Equals(request.Model, upstreamModel, StringComparison.Ordinal);

    public static void Write(LlmRequest request, string upstreamModel, IBufferWriter<byte> output)
    {
        var body = request.Body.Span;
        var position = 0;
        var streamOptions = NeedsUsageRequest(request) ? request.StreamOptionsValue : null;
        var insertStreamOptions = NeedsUsageRequest(request) && streamOptions is null;

        // Splices in body order: the model value and stream_options may come in either order.
        var modelFirst = streamOptions is null || request.ModelValue.Start < streamOptions.Value.Start;
        if (modelFirst)
        {
            position = SpliceModel(body, position, request, upstreamModel, output);
        }

        if (streamOptions is { } so)
        {
            output.Write(body[position..so.Start]);
            WriteStreamOptionsWithUsage(body.Slice(so.Start, so.Length), output);
            position = so.End;
        }

        if (!modelFirst)
        {
            position = SpliceModel(body, position, request, upstreamModel, output);
        }

        if (insertStreamOptions)
        {
            output.Write(body[position..request.ClosingBrace]);
            output.Write(",\"stream_options\":{"u8);
            output.Write(IncludeUsageMember);
            output.Write("}"u8);
            position = request.ClosingBrace;
        }

        output.Write(body[position..]);
    }

    // The Responses API always reports usage (in response.completed) and has no stream_options.
    private static bool NeedsUsageRequest(LlmRequest request) =>
        request.Stream && request.Api == ApiKind.ChatCompletions && !request.ClientRequestedUsage;

    private static int SpliceModel(ReadOnlySpan<byte> body, int position, LlmRequest request, string upstreamModel, IBufferWriter<byte> output)
    {
        if (string.Equals(request.Model, upstreamModel, StringComparison.Ordinal))
        {
            return position;
        }

        output.Write(body[position..request.ModelValue.Start]);
        WriteJsonString(upstreamModel, output);
        return request.ModelValue.End;
    }

    /// <summary>Rewrites a <c>stream_options</c> value to include usage, keeping its other members.</summary>
    private static void WriteStreamOptionsWithUsage(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        output.Write("{"u8);
        output.Write(IncludeUsageMember);
        var reader = new Utf8JsonReader(value);
        if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var memberStart = (int)reader.TokenStartIndex;
                var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
                reader.Read();
                reader.Skip();
                if (!isIncludeUsage)
                {
                    output.Write(","u8);
                    output.Write(value[memberStart..(int)reader.BytesConsumed]);
                }
            }
        }

        output.Write("}"u8);
    }

    private static void WriteJsonString(string value, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStringValue(value);
    }
}
