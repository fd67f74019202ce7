using System.Net;
using System.Text;
using Tokenwise.Caching;

namespace Tokenwise.Tests.Caching;

/// <summary>
/// Vectors from an OpenAI-compatible embeddings endpoint that cannot be compared are refused (the lookup is a miss), and one of
/// another length than a scope's is passed over by the index: it made the index throw, a 500 for a request that only wanted a
/// cache lookup.
/// </summary>
public sealed class OpenAIEmbedderTests
{
    [Theory]
    [InlineData("[1e39,1,1,1]", 4)]
    [InlineData("[0,0,0,0,0,0,0,0]", 8)]
    [InlineData("[]", 0)]
    public async Task AVectorThatIsNoDirectionIsAnError(string embedding, int length)
    {
        using var http = new HttpClient(new Answers(embedding));
        var embedder = new OpenAIEmbedder(http, new Uri("http://127.0.0.1:9/v1"), "m", apiKey: null);

        var e = await Assert.ThrowsAsync<HttpRequestException>(async () => await embedder.EmbedAsync(["question"], TestContext.Current.CancellationToken));
        Assert.EndsWith($"returned a vector that cannot be compared: {length} numbers, not all finite or all zero.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AScopeHoldsVectorsOfOneLengthAndASearchOfAnotherFindsNothing()
    {
        var index = new ScopedVectorIndex();
        Assert.True(index.Add("s", 1, Vectors.Normalize([1f, 0f, 0f])));
        Assert.False(index.Add("s", 2, Vectors.Normalize([1f, 0f])));

        Assert.Empty(index.Search("s", Vectors.Normalize([1f, 0f]), 1));
        Assert.Equal(1, index.Search("s", Vectors.Normalize([1f, 0f, 0f]), 1).Single().Id);
    }

    /// <summary>Answers each call with the next embedding of the list, as an OpenAI embeddings response.</summary>
    private sealed class Answers(params string[] embeddings) : HttpMessageHandler
    {
        private int _next;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent($$"""{"data":[{"index":0,"embedding":{{embeddings[_next++]}}}]}""", Encoding.UTF8, "application/json"),
            });
    }
}
