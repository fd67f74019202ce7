using System.Text;
using Tokenwise.Anthropic;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Routing.Routes;
using static Tokenwise.Tests.Routing.Routes.RouteFixtures;

namespace Tokenwise.Tests.Routing.Routes;

public sealed class RequestFeaturesTests
{
    [Fact]
    public void AnOpenAIConversationGivesItsLatestUserTurnAllItsTextToolsAndImages()
    {
        var features = RequestFeatures.Read(Chat("""
            {"model":"m","messages":[
              {"role":"system","content":"You are terse."},
              {"role":"user","content":"First question"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"ann@example.com\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"found it"},
              {"role":"user","content":[{"type":"text","text":"Second"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},{"type":"text","text":"question"}]}],
             "tools":[{"type":"function","function":{"name":"lookup"}}]}
            """), "gpt-4o-mini");

        Assert.Equal("Second\nquestion", features.LatestUserText);
        Assert.True(features.HasTools);
        Assert.True(features.HasImages);
        Assert.Contains("You are terse.", features.AllText, StringComparison.Ordinal);
        Assert.Contains("ann@example.com", features.AllText, StringComparison.Ordinal);
        Assert.Contains("found it", features.AllText, StringComparison.Ordinal);
        Assert.InRange(features.PromptTokens, 20, 80);
    }

    [Fact]
    public void AnAnthropicRequestGivesItsSystemBlocksToolResultsAndImages()
    {
        const string json = """
            {"model":"m","max_tokens":100,"system":[{"type":"text","text":"Be kind."}],"messages":[
              {"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}},{"type":"text","text":"Describe it"}]},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"look","input":{"iban":"DE89370400440532013000"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"a cat"}]}]}
            """;
        Assert.True(AnthropicRequestParser.TryParse(Encoding.UTF8.GetBytes(json), ApiKind.Messages, [], out var request, out _));

        var features = RequestFeatures.Read(request, "claude-sonnet-4-5");

        Assert.False(features.HasTools);
        Assert.True(features.HasImages);
        Assert.Equal("", features.LatestUserText); // the last user turn holds only a tool result
        Assert.Contains("Be kind.", features.AllText, StringComparison.Ordinal);
        Assert.Contains("DE89370400440532013000", features.AllText, StringComparison.Ordinal);
        Assert.Contains("a cat", features.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public void AResponsesRequestWithAStringInputIsTheUserTurn()
    {
        Assert.True(OpenAIRequestParser.TryParse(Encoding.UTF8.GetBytes("""{"model":"m","instructions":"Be brief.","input":"What is 2+2?"}"""), ApiKind.Responses, out var request, out _));

        var features = RequestFeatures.Read(request, "gpt-4o-mini");

        Assert.Equal("What is 2+2?", features.LatestUserText);
        Assert.Contains("Be brief.", features.AllText, StringComparison.Ordinal);
    }
}
