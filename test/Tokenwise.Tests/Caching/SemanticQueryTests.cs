using System.Text;
using Tokenwise.Anthropic;
using Tokenwise.Caching;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;

namespace Tokenwise.Tests.Caching;

/// <summary>What the semantic cache embeds (the latest user turn) and what it scopes by (everything else).</summary>
public sealed class SemanticQueryTests
{
    private static readonly ModelDeployment s_mini = new("gpt-4o-mini", "openai", "gpt-4o-mini", ModelPrice.Free("gpt-4o-mini"));

    [Fact]
    public void TheQuestionIsTheLatestUserTurnAndTheEarlierTurnsAreScope()
    {
        var query = Query("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Tell me about Python"},{"role":"assistant","content":"A language."},{"role":"user","content":"  What is it used for?  "}]}""");
        Assert.Equal("What is it used for?", query!.Question);

        var otherConversation = Query("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Tell me about Rust"},{"role":"assistant","content":"A language."},{"role":"user","content":"What is it used for?"}]}""");
        var sameConversation = Query("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Tell me about Python"},{"role":"assistant","content":"A language."},{"role":"user","content":"What is Python used for?"}]}""");
        Assert.NotEqual(query.Scope, otherConversation!.Scope);
        Assert.Equal(query.Scope, sameConversation!.Scope);
    }

    [Fact]
    public void EverythingButTheQuestionIsInTheScope()
    {
        var plain = Query("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"q"}]}""")!.Scope;
        string[] others =
        [
            """{"model":"gpt-4o-mini","temperature":0,"messages":[{"role":"user","content":"q"}]}""",
            """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"q"}]}""",
            """{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"q"}]}""",
            """{"model":"gpt-4o-mini","messages":[{"role":"user","name":"alice","content":"q"}]}""",
            """{"model":"gpt-4o-mini","tools":[],"messages":[{"role":"user","content":"q"}]}""",
        ];
        Assert.All(others, body => Assert.NotEqual(plain, Query(body)!.Scope));
        Assert.NotEqual(plain, Query("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"q"}]}""", "key:other")!.Scope);
        Assert.NotEqual(plain, ExactCacheKey.Compute("key:k1", s_mini, Parse("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"q"}]}""")));
        // Field order and the question's own text are not.
        Assert.Equal(plain, Query("""{"messages":[{"content":"another question","role":"user"}],"model":"gpt-4o-mini"}""")!.Scope);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"prefill"}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"tool","tool_call_id":"1","content":"42"}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x/y.png"}},{"type":"text","text":"what is this"}]}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"   "}]}""")]
    [InlineData("""{"model":"m","messages":[]}""")]
    public void NonTextOrNonUserLastTurnsAreLeftToTheExactCache(string body) => Assert.Null(Query(body));

    [Fact]
    public void AnAnthropicTextBlockQuestionIsRead()
    {
        var body = """{"model":"claude-sonnet-4-5","max_tokens":10,"system":"Be brief.","messages":[{"role":"user","content":[{"type":"text","text":"Hello","cache_control":{"type":"ephemeral"}},{"type":"text","text":"there"}]}]}""";
        Assert.True(AnthropicRequestParser.TryParse(Encoding.UTF8.GetBytes(body), ApiKind.Messages, [], out var request, out _));
        Assert.True(SemanticQuery.TryCreate("key:k1", s_mini, request, out var query));
        Assert.Equal("Hello\nthere", query.Question);
    }

    private static SemanticQuery? Query(string body, string tenant = "key:k1") =>
        SemanticQuery.TryCreate(tenant, s_mini, Parse(body), out var query) ? query : null;

    private static LlmRequest Parse(string body)
    {
        Assert.True(OpenAIRequestParser.TryParse(Encoding.UTF8.GetBytes(body), ApiKind.ChatCompletions, out var request, out _));
        return request;
    }
}
