using System.Net.Http.Json;
using System.Text;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>How the tests read a streamed answer part way and then go away, as a client that leaves does.</summary>
internal static class StreamingClient
{
    /// <summary>How long a read must wait for nothing before the stream counts as quiet.</summary>
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(250);

    /// <summary>Asks for <paramref name="prompt"/> to be answered by gpt-4o-mini as a stream; returns once the headers arrived.</summary>
    public static async Task<HttpResponseMessage> StartChatStreamAsync(HttpClient http, string prompt, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "gpt-4o-mini", stream = true, messages = new[] { new { role = "user", content = prompt } } }),
        };
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>
    /// Starts a gpt-4o-mini stream of <paramref name="prompt"/>, reads until its first word has arrived (the second event;
    /// the first only names the role), so the gateway has certainly metered it, then goes away as a client does
    /// (<see cref="LeaveWhenQuietAsync"/>). Returns the request's id.
    /// </summary>
    public static async Task<string> DisconnectAfterTheFirstWordAsync(HttpClient http, string prompt, CancellationToken cancellationToken)
    {
        using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var response = await StartChatStreamAsync(http, prompt, hangUp.Token);
        var requestId = response.Headers.GetValues("x-tokenwise-request-id").Single();
        var stream = await response.Content.ReadAsStreamAsync(hangUp.Token);
        var received = new StringBuilder();
        await ReadUntilAsync(stream, received, text => text.Split("data: ").Length > 2, hangUp.Token);
        await LeaveWhenQuietAsync(stream, received, hangUp);
        return requestId;
    }

    /// <summary>Reads into <paramref name="received"/> until what has arrived satisfies <paramref name="enough"/>.</summary>
    public static async Task ReadUntilAsync(Stream stream, StringBuilder received, Func<string, bool> enough, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (!enough(received.ToString()))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            Assert.True(read > 0, "the stream ended early:\n" + received);
            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
    }

    /// <summary>Reads into <paramref name="received"/> until <paramref name="marker"/> has arrived.</summary>
    public static Task ReadUntilAsync(Stream stream, StringBuilder received, string marker, CancellationToken cancellationToken) =>
        ReadUntilAsync(stream, received, text => text.Contains(marker, StringComparison.Ordinal), cancellationToken);

    /// <summary>
    /// Reads what is still on its way, then, once a read waits, cancels it: cancelling a read in progress
    /// aborts the connection, as a client that goes away does. Cancelling right after the marker was seen
    /// is not enough, because the rest of a stalled upstream's events may still be in flight and complete
    /// the read before the cancellation can abort it.
    /// </summary>
    public static async Task LeaveWhenQuietAsync(Stream stream, StringBuilder received, CancellationTokenSource hangUp)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var pending = stream.ReadAsync(buffer, hangUp.Token).AsTask();
            if (await Task.WhenAny(pending, Task.Delay(QuietPeriod, TestContext.Current.CancellationToken)) != pending)
            {
                await hangUp.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
                return;
            }

            var read = await pending;
            Assert.True(read > 0, "the stream ended before the client left:\n" + received);
            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
    }
}
