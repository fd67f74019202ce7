using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
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
        // Refused at once, as OpenAI refuses them, before any model would run.
        var refusal = SimulatedAnswers.WrongKindOfModel(request.Api, deployment.Price.Mode)
            ?? (request.Api == ApiKind.ChatCompletions ? SimulatedAnswers.ChatRequestProblem(request.Body) : null);
        if (refusal is not null)
        {
            return Json(OpenAIErrorBody.Bytes(refusal), cancellationToken, status: refusal.Status);
        }

        if (request.Api == ApiKind.Embeddings)
        {
            var (status, embeddings) = SimulatedAnswers.EmbeddingsResponse(request, deployment.UpstreamModel, DefaultEmbeddingDimensions);
            await Task.Delay(latency.FirstToken, time, cancellationToken);
            return Json(embeddings, cancellationToken, status: status);
        }

        var answer = WithWebSearch(SimulatedAnswers.Answer(request, deployment.UpstreamModel, SimulatedUsageShape.Plain, time.GetUtcNow().ToUnixTimeSeconds()),
            request, deployment, out var searchesUnreported);
        await Task.Delay(latency.FirstToken, time, cancellationToken);
        if (!request.Stream)
        {
            await Task.Delay(latency.PerToken * answer.Usage.OutputTokens, time, cancellationToken);
            return Json(request.Api == ApiKind.Responses ? ResponsesWireWriter.Response(answer) : OpenAIWireWriter.ChatCompletion(answer), cancellationToken,
                searchesUnreported ? () => answer.Usage : null);
        }

        // The gateway always asks for stream usage, as it does of real providers; Responses streams always carry it.
        var events = request.Api == ApiKind.Responses
            ? ResponsesWireWriter.Events(answer)
            : OpenAIWireWriter.ChatCompletionEvents(answer, includeUsage: true);
        var pipe = new Pipe();
        var whole = new StrongBox<bool>();
        _ = WriteEventsAsync(events, pipe.Writer, whole);
        return new UpstreamResponse(200, "text/event-stream; charset=utf-8", pipe.Reader.AsStream())
        {
            ReadCancellation = cancellationToken,
            // Whole once every event was written; cut short, the prompt and the searches ran, the output is estimated.
            ReportedUsage = searchesUnreported ? () => whole.Value ? answer.Usage : null : null,
            PartialUsage = searchesUnreported ? () => answer.Usage with { OutputTokens = 0, ReasoningTokens = 0, AudioOutputTokens = 0 } : null,
        };
    }

    /// <summary>
    /// The answer a model that prices web searches gives a chat request with <c>web_search_options</c>, as Claude or Gemini
    /// answer it translated: one search (two queries where each is billed, as Gemini 3's are) and the source it cites.
    /// OpenAI's chat completions answer in usage no search, so <paramref name="unreported"/> says the provider's usage has
    /// to be handed on (<see cref="UpstreamResponse.ReportedUsage"/>). A search model's one search is the endpoint's to count.
    /// </summary>
    private static SimulatedAnswer WithWebSearch(SimulatedAnswer answer, LlmRequest request, ModelDeployment deployment, out bool unreported)
    {
        unreported = false;
        if (request is not { Api: ApiKind.ChatCompletions, WebSearchOptions: true } || answer.ToolCall is not null)
        {
            return answer;
        }

        var citing = answer with { Citations = [SimulatedAnswer.SimulatedSource] };
        if (deployment.SearchesEveryCall(request.Api))
        {
            return citing;
        }

        if (deployment.Price.WebSearchPrice(request.SearchContextSize) is null)
        {
            return answer; // a model that does not search (OpenAI's other models answer such a request with a 400)
        }

        unreported = true;
        return citing with { Usage = answer.Usage with { WebSearchRequests = deployment.MostWebSearches(request) ?? 2 } };
    }

    /// <summary>
    /// Writes the events with the simulated pace; <paramref name="whole"/> is set once every one was written, before the
    /// stream ends, so a reader that saw its end sees it set (not when the reader left first).
    /// </summary>
    private async Task WriteEventsAsync(IEnumerable<byte[]> events, PipeWriter writer, StrongBox<bool> whole)
    {
        try
        {
            foreach (var sseEvent in events)
            {
                var flushed = await writer.WriteAsync(sseEvent);
                if (flushed.IsCompleted)
                {
                    return; // the reader went away: the client disconnected
                }

                await Task.Delay(latency.PerToken, time);
            }

            whole.Value = true;
        }
        finally
        {
            await writer.CompleteAsync();
        }
    }

    private static UpstreamResponse Json(byte[] body, CancellationToken cancellationToken, Func<TokenUsage?>? reportedUsage = null, int status = 200) =>
        new(status, "application/json", new MemoryStream(body, writable: false)) { ReadCancellation = cancellationToken, ReportedUsage = reportedUsage };
}
