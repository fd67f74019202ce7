using System.IO.Pipelines;
using Tokenwise.Pipeline;

namespace Tokenwise.Providers.Simulated;

/// <summary>
/// A provider that answers in-process with deterministic text and realistic usage and latency, in
/// OpenAI's wire format (chat completions, the Responses API, embeddings), so the whole gateway can be tried without an API key (<c>serve --demo</c>).
/// </summary>
public sealed class SimulatedProvider(string name, SimulatedLatency latency, TimeProvider time) : IProvider
{
    public const string DefaultName = "simulated";
    private const int DefaultEmbeddingDimensions = 1536;

    public string Name => name;

    public bool ServesResponses => true;

    public async ValueTask<UpstreamResponse> SendAsync(LlmRequest request, ModelDeployment deployment, CancellationToken cancellationToken)
    {
        if (request.Api == ApiKind.Embeddings)
        {
            var embeddings = SimulatedAnswers.EmbeddingsResponse(request, deployment.UpstreamModel, DefaultEmbeddingDimensions);
            await Task.Delay(latency.FirstToken, time, cancellationToken);
            return Json(embeddings, cancellationToken);
        }

        var answer = SimulatedAnswers.Answer(request, deployment.UpstreamModel, SimulatedUsageShape.Plain, time.GetUtcNow().ToUnixTimeSeconds());
        await Task.Delay(latency.FirstToken, time, cancellationToken);
        if (!request.Stream)
        {
            await Task.Delay(latency.PerToken * answer.Usage.OutputTokens, time, cancellationToken);
            return Json(request.Api == ApiKind.Responses ? ResponsesWireWriter.Response(answer) : OpenAIWireWriter.ChatCompletion(answer), cancellationToken);
        }

        // The gateway always asks for stream usage, as it does of real providers; Responses streams always carry it.
        var events = request.Api == ApiKind.Responses
            ? ResponsesWireWriter.Events(answer)
            : OpenAIWireWriter.ChatCompletionEvents(answer, includeUsage: true);
        var pipe = new Pipe();
        _ = WriteEventsAsync(events, pipe.Writer);
        return new UpstreamResponse(200, "text/event-stream; charset=utf-8", pipe.Reader.AsStream()) { ReadCancellation = cancellationToken };
    }

    private async Task WriteEventsAsync(IEnumerable<byte[]> events, PipeWriter writer)
    {
        try
        {
            foreach (var sseEvent in events)
            {
                var flushed = await writer.WriteAsync(sseEvent);
                if (flushed.IsCompleted)
                {
                    break; // the reader went away: the client disconnected
                }

                await Task.Delay(latency.PerToken, time);
            }
        }
        finally
        {
            await writer.CompleteAsync();
        }
    }

    private static UpstreamResponse Json(byte[] body, CancellationToken cancellationToken) =>
        new(200, "application/json", new MemoryStream(body, writable: false)) { ReadCancellation = cancellationToken };
}
